import ChatCore
import Testing
@testable import ChatCluster

/// What a node keeps of a room's stream for joiners whose answer comes after some of it.
@Suite struct RoomLinkTests {
    private let ann = ChatName("Ann")!

    /// Takes messages `numbers` as the node does: each becomes the link's last sequence number.
    private func take(_ numbers: ClosedRange<Int64>, on link: RoomLink) {
        for number in numbers {
            link.seq = number
            Array("m\(number)".utf8).withUnsafeBytes { link.keepIfJoining(millis: number, from: ann, text: $0) }
        }
    }

    private func texts(_ entries: [History.Entry]) -> [String] {
        entries.map { String(decoding: $0.text, as: UTF8.self) }
    }

    @Test func withNoJoinInFlightNothingIsKept() {
        let link = RoomLink(folded: ChatName("room")!, channel: [])
        take(1...50, on: link)
        #expect(link.recent.count == 0)
        #expect(link.recentEntries(after: 40).isEmpty)
    }

    /// A join sent after message 10, answered with the room's history up to 12 once the node
    /// has taken up to 15: the joiner gets 13 to 15 from the link.
    @Test func whatATakesWhileAJoinIsInFlightIsWhatItsAnswerMayLack() {
        let link = RoomLink(folded: ChatName("room")!, channel: [])
        take(1...10, on: link)
        link.joinsInFlight = 1
        take(11...15, on: link)
        #expect(texts(link.recentEntries(after: 12)) == ["m13", "m14", "m15"])
        #expect(texts(link.recentEntries(after: 10)) == ["m11", "m12", "m13", "m14", "m15"])
        #expect(link.recentEntries(after: 15).isEmpty)
    }

    /// Once no join is in flight the kept messages go, storage and all, at the next message.
    @Test func theKeptMessagesGoOnceNoJoinIsInFlight() {
        let link = RoomLink(folded: ChatName("room")!, channel: [])
        link.joinsInFlight = 2
        take(1...5, on: link)
        link.joinsInFlight = 1
        take(6...6, on: link)
        #expect(link.recent.count == 6, "one join is still in flight")
        link.joinsInFlight = 0
        take(7...7, on: link)
        #expect(link.recent.count == 0)
    }

    /// A link keeps as many as the catch-up window (never fewer than the minimum), and says
    /// how many of a range it no longer has.
    @Test func theKeptMessagesFollowTheCatchUpWindowAndAShortfallIsCounted() {
        let window = RoomLink.minimumRecentLimit + 100
        let link = RoomLink(folded: ChatName("room")!, channel: [], recentLimit: window)
        link.joinsInFlight = 1
        take(1...Int64(window + 7), on: link)
        #expect(link.recent.count == window)
        #expect(link.recentShortfall(after: 0) == 7)
        #expect(link.recentShortfall(after: 7) == 0)
        #expect(texts(link.recentEntries(after: 0)).first == "m8")
        #expect(RoomLink(folded: ChatName("room")!, channel: [], recentLimit: 10).recentLimit == RoomLink.minimumRecentLimit)
    }

    /// At most ``RoomLink/minimumRecentLimit`` are kept, the latest.
    @Test func theKeptMessagesAreBounded() {
        let link = RoomLink(folded: ChatName("room")!, channel: [])
        link.joinsInFlight = 1
        take(1...Int64(RoomLink.minimumRecentLimit + 44), on: link)
        #expect(link.recent.count == RoomLink.minimumRecentLimit)
        #expect(texts(link.recentEntries(after: 0)).first == "m45")
    }
}
