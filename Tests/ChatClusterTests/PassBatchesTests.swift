import Testing
@testable import ChatCluster

/// A pass's batches keep each sender's messages in the order said, whichever rooms they go to.
@Suite struct PassBatchesTests {
    private typealias Batches = PassBatches<String, String, [Int]>

    private func add(_ batches: inout Batches, _ number: Int, by sender: String, in room: String) -> Bool {
        guard batches.accepts(from: sender, in: room) else { return false }
        batches.append(in: room, from: sender, open: { [] }) { $0.append(number) }
        return true
    }

    @Test func aSendersMessageMayNotGoOutBeforeItsOwnInALaterBatch() {
        var batches = Batches()
        #expect(add(&batches, 1, by: "ann", in: "a"))
        #expect(add(&batches, 2, by: "ann", in: "b"))
        #expect(!add(&batches, 3, by: "ann", in: "a"), "say,a,3 would go out before say,b,2")
        #expect(add(&batches, 4, by: "bob", in: "a"), "another sender's message may")
        #expect(add(&batches, 5, by: "ann", in: "b"))
        #expect(batches.batches.map(\.room) == ["a", "b"])
        #expect(batches.batches.map(\.batch) == [[1, 4], [2, 5]])
    }

    @Test func aSenderOfTheFirstBatchOnlyMayGoAnywhere() {
        var batches = Batches()
        #expect(add(&batches, 1, by: "ann", in: "a"))
        #expect(add(&batches, 2, by: "bob", in: "b"))
        #expect(add(&batches, 3, by: "ann", in: "b"))
        #expect(add(&batches, 4, by: "bob", in: "b"))
        #expect(!add(&batches, 5, by: "bob", in: "a"))
        batches.removeAll()
        #expect(batches.isEmpty)
        #expect(add(&batches, 6, by: "bob", in: "a"), "a new pass")
    }
}
