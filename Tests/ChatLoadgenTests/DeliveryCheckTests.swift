import Testing
@testable import ChatLoadgen

@Suite struct DeliveryCheckTests {
    private func check(_ sequences: [UInt64], sender: Int = 0, channel: DeliveryCheck.Channel = .direct) -> DeliveryCheck {
        var check = DeliveryCheck()
        for sequence in sequences { check.record(sender: sender, channel: channel, sequence: sequence) }
        return check
    }

    @Test func inOrderStreamIsDeliveredCleanly() {
        let result = check(Array(1...100))
        #expect(result.delivered == 100)
        #expect(result.duplicated == 0)
        #expect(result.reordered == 0)
    }

    @Test func repeatWithNoGapIsDuplicated() {
        let result = check([1, 2, 2, 3, 3, 3])
        #expect(result.delivered == 6)
        #expect(result.duplicated == 3)
        #expect(result.reordered == 0)
    }

    @Test func gapThenFillIsReordered() {
        let result = check([1, 4, 2, 3, 5])
        #expect(result.delivered == 5)
        #expect(result.reordered == 2)
        #expect(result.duplicated == 0)
    }

    @Test func repeatAfterGapIsFilledIsDuplicated() {
        let result = check([2, 1, 1])
        #expect(result.reordered == 1)
        #expect(result.duplicated == 1)
    }

    @Test func aGapThatStaysOpenIsNeitherDuplicatedNorReordered() {
        let result = check([1, 3, 4])
        #expect(result.delivered == 3)
        #expect(result.duplicated == 0)
        #expect(result.reordered == 0)
    }

    @Test func sendersHaveSeparateStreams() {
        var check = DeliveryCheck()
        for sequence: UInt64 in 1...5 {
            for sender in [0, 1, 7, 1000] { check.record(sender: sender, channel: .direct, sequence: sequence) }
        }
        #expect(check.delivered == 20)
        #expect(check.duplicated == 0)
        #expect(check.reordered == 0)
    }

    @Test func channelsHaveSeparateStreams() {
        var check = DeliveryCheck()
        for sequence: UInt64 in 1...5 {
            check.record(sender: 3, channel: .direct, sequence: sequence)
            check.record(sender: 3, channel: .room, sequence: sequence)
        }
        #expect(check.delivered == 10)
        #expect(check.duplicated == 0)
        #expect(check.reordered == 0)
    }

    @Test func roomSendersOfOneRoomHaveSeparateStreams() {
        var check = DeliveryCheck(roomStride: 5)
        for sequence: UInt64 in 1...5 {
            for sender in [2, 7, 12, 502] { check.record(sender: sender, channel: .room, sequence: sequence) }
        }
        #expect(check.delivered == 20)
        #expect(check.duplicated == 0)
        #expect(check.reordered == 0)
    }

    @Test func aProblemInOneStreamLeavesTheOthersAlone() {
        var check = DeliveryCheck()
        for sequence: UInt64 in [1, 2, 2] { check.record(sender: 1, channel: .direct, sequence: sequence) }
        for sequence: UInt64 in [1, 2, 3] { check.record(sender: 2, channel: .direct, sequence: sequence) }
        for sequence: UInt64 in [1, 2, 3] { check.record(sender: 1, channel: .room, sequence: sequence) }
        #expect(check.delivered == 9)
        #expect(check.duplicated == 1)
        #expect(check.reordered == 0)
    }

    /// A repeat fills nothing the senders expected, so the generator does not count it toward
    /// the end of its drain; a late arrival that fills a gap does.
    @Test func onlyARepeatIsNotAFirstArrival() {
        var check = DeliveryCheck()
        let first = [UInt64(1), 3, 2, 3, 1, 4].map { check.record(sender: 5, channel: .direct, sequence: $0) }
        #expect(first == [true, true, true, false, false, true])
        #expect(check.duplicated == 2)
        #expect(check.reordered == 1)
    }
}
