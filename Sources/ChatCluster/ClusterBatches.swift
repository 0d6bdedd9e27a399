import ChatCore

// What a Redis node (or a loop of the hub) gathers during one loop pass and sends at its end:
// one batch per room for room messages (one script call to Redis; one step of the hub for
// them all), and for a Redis node one call for all direct messages.

/// A loop pass's batches, one per room, in the order they were opened, so that a member of
/// two rooms gets a sender's messages in the order said.
///
/// A sender whose message would join a room's batch ahead of a later batch holding one of
/// its own messages (`say,a,1` then `say,b,2` then `say,a,3`) must have the batches sent
/// first: ``accepts(from:in:)`` says so.
struct PassBatches<Room: Hashable, Sender: Hashable, Batch> {
    /// Each room and its batch, in the order opened.
    private(set) var batches: [(room: Room, batch: Batch)] = []
    /// Each room's place in `batches`.
    private var places: [Room: Int] = [:]
    /// The place of the batch holding each sender's latest message, for senders whose latest
    /// is not in the first batch (a sender not here may go anywhere): a pass with one room's
    /// messages, the common case, looks nothing up per message.
    private var latest: [Sender: Int] = [:]

    var isEmpty: Bool { batches.isEmpty }

    /// Whether a message of `sender` in `room` can join this pass's batches without going
    /// out before one of the sender's own messages already in them.
    func accepts(from sender: Sender, in room: Room) -> Bool {
        guard !latest.isEmpty, let last = latest[sender] else { return true }
        guard let place = batches.last?.room == room ? batches.count - 1 : places[room] else { return true }
        return place >= last
    }

    /// Adds a message to the room's batch (opened with `open` when the pass has none) with `add`.
    mutating func append<Result>(in room: Room, from sender: Sender, open: () -> Batch,
                                 _ add: (inout Batch) -> Result) -> Result {
        let place: Int
        if let last = batches.indices.last, batches[last].room == room {
            place = last
        } else if let existing = places[room] {
            place = existing
        } else {
            place = batches.count
            places[room] = place
            batches.append((room, open()))
        }
        if place > 0 { latest[sender] = place }
        return add(&batches[place].batch)
    }

    mutating func removeAll() {
        batches.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
        latest.removeAll(keepingCapacity: true)
    }
}

/// A Redis node's room messages of one pass, by folded room and folded sender.
typealias SayBatches = PassBatches<ChatName, ChatName, SayBatch>

/// The room messages of one loop pass for one room, sent to Redis as one script call.
struct SayBatch {
    var body: [UInt8] = []
    var count = 0

    /// Appends one message; returns the bytes it added.
    mutating func append(millis: Int64, from: ChatName, text: UnsafeRawBufferPointer) -> Int {
        let before = body.count
        if count > 0 { body.append(UInt8(ascii: "\n")) }
        ClusterWire.appendEntry(millis: millis, from: from, text: text, to: &body)
        count += 1
        return body.count - before
    }
}

/// The direct messages of one loop pass, sent as one script call, and each sender's answer.
struct ChatBatch {
    var arguments = RedisCommand()
    var answers: [(ClusterReply) -> Void] = []
    /// Who sent them, folded: a room message of theirs in the same pass sends these first.
    var senders: Set<ChatName> = []
}
