/// Checks the messages one user receives: per sender and channel, sequence
/// numbers must arrive exactly once and in order.
///
/// A gap may be a loss or a reordering: a later arrival that fills a gap is
/// counted as reordered, a repeat with no gap outstanding as duplicated; what
/// never arrives shows up as lost when deliveries are compared with what the
/// senders expected.
public struct DeliveryCheck: Sendable {
    /// Where a message came through.
    public enum Channel: Int, Sendable {
        case direct = 0
        case room = 1
    }

    private struct Stream: Sendable {
        var highest: UInt64 = 0
        var received: UInt64 = 0
    }

    public private(set) var delivered: UInt64 = 0
    public private(set) var duplicated: UInt64 = 0
    public private(set) var reordered: UInt64 = 0
    /// Protocol v2: room message ids that never came (a gap in the room's ids).
    public private(set) var gaps: UInt64 = 0
    /// Protocol v2: the last id of the receiver's room seen (one room per user).
    public private(set) var lastRoomID: UInt64?
    /// `--reconnect-every`: times the receiver came back and resumed, and the messages those
    /// resumes replayed (each also a delivery).
    public var resumes: UInt64 = 0
    public var replayed: UInt64 = 0
    /// Room senders share the receiver's room: user `i` is in room `i % roomStride`,
    /// so `i / roomStride` numbers them densely and an array replaces hashing.
    private let roomStride: Int
    private var roomStreams: [Stream] = []
    private var directStreams: [Int: Stream] = [:]

    /// - Parameter roomStride: the number of rooms users are spread over (user `i` is in room `i % roomStride`).
    public init(roomStride: Int = 1) {
        self.roomStride = max(1, roomStride)
    }

    /// Records message `sequence` (the first is 1) from `sender` through `channel`; false
    /// when it is a repeat, which fills none of what the senders expected.
    @discardableResult
    public mutating func record(sender: Int, channel: Channel, sequence: UInt64) -> Bool {
        delivered += 1
        let outcome: Outcome
        switch channel {
        case .room:
            let slot = sender / roomStride
            if slot >= roomStreams.count { roomStreams.append(contentsOf: repeatElement(Stream(), count: slot + 1 - roomStreams.count)) }
            outcome = Self.check(&roomStreams[slot], sequence)
        case .direct:
            outcome = Self.check(&directStreams[sender, default: Stream()], sequence)
        }
        switch outcome {
        case .inOrder: break
        case .reordered: reordered += 1
        case .duplicated: duplicated += 1
        }
        return outcome != .duplicated
    }

    /// Protocol v2: ids from here on follow `lastID` (the `joined` line's), whatever the
    /// replay before them held.
    public mutating func startRoomIDs(after lastID: UInt64) {
        lastRoomID = lastID
    }

    /// Protocol v2: the id of a room message, every one of which the receiver hears (its
    /// own too); false when it is a repeat. Ids are the room's one order: one skipped is a gap.
    public mutating func recordRoomID(_ id: UInt64) -> Bool {
        guard let last = lastRoomID else {
            lastRoomID = id
            return true
        }
        guard id > last else {
            delivered += 1
            duplicated += 1
            return false
        }
        gaps += id - last - 1
        lastRoomID = id
        return true
    }

    private enum Outcome { case inOrder, reordered, duplicated }

    private static func check(_ stream: inout Stream, _ sequence: UInt64) -> Outcome {
        if sequence > stream.highest {
            stream.highest = sequence
            stream.received += 1
            return .inOrder
        }
        if stream.received < stream.highest {
            stream.received += 1
            return .reordered
        }
        return .duplicated
    }
}

/// Users' delivery checks added up: over one thread's users, then over the threads.
struct DeliveryTotals: Sendable {
    var delivered: UInt64 = 0
    var duplicated: UInt64 = 0
    var reordered: UInt64 = 0
    var gaps: UInt64 = 0
    var resumes: UInt64 = 0
    var replayed: UInt64 = 0

    /// The checked users' checks.
    init(of users: some Sequence<SimulatedUser>) {
        for user in users where user.isChecked {
            delivered += user.check.delivered
            duplicated += user.check.duplicated
            reordered += user.check.reordered
            gaps += user.check.gaps
            resumes += user.check.resumes
            replayed += user.check.replayed
        }
    }

    init() {}

    mutating func add(_ other: DeliveryTotals) {
        delivered += other.delivered
        duplicated += other.duplicated
        reordered += other.reordered
        gaps += other.gaps
        resumes += other.resumes
        replayed += other.replayed
    }
}
