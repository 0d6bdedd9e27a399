import Testing
@testable import ChatCore

/// Which kept messages a replay sends, and whether that is whole, for every world.
@Suite struct ReplayTests {
    private let epoch = RoomEpoch(value: 0x1f)

    private func kept(_ ids: [Int64]) -> [History.Entry] {
        ids.map { History.Entry(id: $0, millis: 1, from: ChatName("Ann")!, text: Array("m\($0)".utf8)) }
    }

    private func select(_ replay: Replay, _ ids: [Int64], lastID: Int64, resumeMax: Int = 1000) -> ([Int64], Bool) {
        let (entries, complete) = replay.select(from: kept(ids), epoch: epoch, lastID: lastID, resumeMax: resumeMax)
        return (entries.map(\.id), complete)
    }

    @Test func aResumeIsWholeOnlyWhenEveryIdAfterItIsThere() {
        #expect(select(.resume(epoch: epoch, after: 3), Array(1...6), lastID: 6) == ([4, 5, 6], true))
        #expect(select(.resume(epoch: epoch, after: 6), Array(1...6), lastID: 6) == ([], true))
        // A record with a hole (a world that lost some): as many entries as missed, but not whole.
        #expect(select(.resume(epoch: epoch, after: 2), [1, 2, 3, 5, 6, 7], lastID: 7) == ([3, 5, 6, 7], false))
        #expect(select(.resume(epoch: epoch, after: 0), [3, 4, 5], lastID: 5) == ([3, 4, 5], false), "older ones no longer kept")
    }

    @Test func aResumeThatCannotBeWholeSendsWhatTheContractSays() {
        #expect(select(.resume(epoch: RoomEpoch(value: 2), after: 3), Array(1...6), lastID: 6, resumeMax: 2) == ([5, 6], false),
                "another epoch: the latest --resume-max")
        #expect(select(.resume(epoch: nil, after: 3), Array(1...6), lastID: 6, resumeMax: 2) == ([5, 6], false))
        #expect(select(.resume(epoch: epoch, after: 9), Array(1...6), lastID: 6) == ([], false), "an id from the future")
        #expect(select(.resume(epoch: epoch, after: 1), Array(1...6), lastID: 6, resumeMax: 2) == ([5, 6], false), "too many missed")
    }

    @Test func pagesReachBackToTheOldestKept() {
        #expect(select(.before(5, limit: 2), Array(1...9), lastID: 9) == ([3, 4], true))
        #expect(select(.after(7, limit: 5), Array(1...9), lastID: 9) == ([8, 9], true))
        #expect(select(.page(limit: 3), Array(1...9), lastID: 9) == ([7, 8, 9], true))
        #expect(Replay.before(5, limit: 2).latestNeeded(resumeMax: 1000, recordLimit: 5000) == 5000,
                "a page may reach back past --resume-max to all that is kept")
        #expect(Replay.latest(10).latestNeeded(resumeMax: 1000, recordLimit: 5000) == 10)
    }
}
