import ChatCore

/// What a node knows of one room it subscribes to: where the room's message stream is,
/// and who waits for it.
final class RoomLink {
    let folded: ChatName
    let channel: [UInt8]
    /// The subscription is in place: messages published from now on reach this node.
    var subscribed = false
    /// Joins waiting for the subscription, so that nothing said after their answer is missed.
    var awaitingSubscription: [PendingJoin] = []
    /// Joins sent to Redis and not answered yet: the subscription stays meanwhile.
    var joinsInFlight = 0
    /// The sequence number of the last message taken in order; nil before the first.
    var seq: Int64?
    /// The last messages taken while a join was in flight, for a joiner whose answer came
    /// after some of them: their sequence numbers run up to ``seq``. Empty when no join is in
    /// flight (``keepIfJoining(millis:from:text:)``).
    private(set) var recent: History
    /// The most messages kept for joiners: as many as the room's log in Redis keeps (the
    /// catch-up window), for a joiner can be given nothing older than that anyway.
    let recentLimit: Int
    /// A catch-up from the room's log is in flight: messages that come meanwhile wait in `held`.
    var catchingUp = false
    var held: [[UInt8]] = []
    /// Joiners whose history runs up to a sequence number the stream has not reached yet:
    /// each joins the local room when it does, so it sees every later message once.
    var parked: [(seq: Int64, admit: () -> Void)] = []

    /// The fewest messages kept for joiners, whatever the catch-up window.
    static let minimumRecentLimit = 256

    init(folded: ChatName, channel: [UInt8], recentLimit: Int = RoomLink.minimumRecentLimit) {
        self.folded = folded
        self.channel = channel
        self.recentLimit = max(Self.minimumRecentLimit, recentLimit)
        recent = History(limit: self.recentLimit)
    }

    /// Message ``seq`` was taken: kept while a join is in flight. A join's answer holds the
    /// room's history up to where Redis ran it, which is at or after every
    /// message this node took before sending the join, so only those taken since can be
    /// missing from it; with no join in flight nothing is kept (a copy of every message of
    /// every room, a ring of 256 per room per loop, was most of a loop's memory beyond one).
    func keepIfJoining(millis: Int64, from: ChatName, text: UnsafeRawBufferPointer) {
        if joinsInFlight > 0 {
            recent.append(id: seq ?? 0, millis: millis, from: from, text: text)
        } else {
            forgetRecent()
        }
    }

    /// Drops the recent messages and their storage: a gap in the stream, or no join left in flight.
    func forgetRecent() {
        if recent.count > 0 { recent = History(limit: recentLimit) }
    }

    /// The recent messages after sequence number `after`, oldest first.
    func recentEntries(after: Int64) -> [History.Entry] {
        guard let seq, seq > after else { return [] }
        let wanted = Int(min(Int64(recent.count), seq - after))
        return (recent.count - wanted..<recent.count).map { recent[$0] }
    }

    /// How many of the messages after sequence number `after` are no longer kept: more than
    /// ``recentLimit`` came while the join was in flight.
    func recentShortfall(after: Int64) -> Int {
        guard let seq, seq > after else { return 0 }
        return Int(max(0, seq - after - Int64(recent.count)))
    }
}

/// A join waiting for its room's subscription.
struct PendingJoin {
    let run: () -> Void
    let fail: () -> Void
}
