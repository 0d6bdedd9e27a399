import ChatCore

// What a node gathers during one loop pass and sends to Redis at its end: one script
// call per room for room messages, one for all direct messages.

/// The room messages of one loop pass for one room, sent as one script call.
struct SayBatch {
    var body: [UInt8] = []
    var count = 0
}

/// The room messages of one loop pass, one batch per room, sent in the order the batches
/// were opened, so that a member of two rooms gets a sender's messages in the order said.
///
/// A sender whose message would join a room's batch ahead of a later batch holding one of
/// its own messages (`say,a,1` then `say,b,2` then `say,a,3`) must have the batches sent
/// first: ``accepts(from:in:)`` says so.
struct SayBatches {
    /// Folded room and its batch, in the order opened.
    private(set) var batches: [(room: ChatName, batch: SayBatch)] = []
    /// Each room's place in `batches`.
    private var places: [ChatName: Int] = [:]
    /// The place of the batch holding each sender's latest message, by folded sender.
    private var latest: [ChatName: Int] = [:]

    var isEmpty: Bool { batches.isEmpty }

    /// Whether a message of `sender` in `room` (both folded) can join this pass's batches
    /// without going out before one of the sender's own messages already in them.
    func accepts(from sender: ChatName, in room: ChatName) -> Bool {
        guard let place = places[room], let last = latest[sender] else { return true }
        return place >= last
    }

    /// Adds a message to the room's batch (`room` and `folded` folded, `from` as written);
    /// returns the bytes it added.
    mutating func append(in room: ChatName, millis: Int64, from sender: ChatName, folded: ChatName,
                         text: UnsafeRawBufferPointer) -> Int {
        let place: Int
        if let existing = places[room] {
            place = existing
        } else {
            place = batches.count
            places[room] = place
            batches.append((room, SayBatch()))
        }
        let before = batches[place].batch.body.count
        batches[place].batch.append(millis: millis, from: sender, text: text)
        latest[folded] = place
        return batches[place].batch.body.count - before
    }

    mutating func removeAll() {
        batches.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
        latest.removeAll(keepingCapacity: true)
    }
}

/// The direct messages of one loop pass, sent as one script call, and each sender's answer.
struct ChatBatch {
    var arguments = RedisCommand()
    var answers: [(ClusterReply) -> Void] = []
    /// Who sent them, folded: a room message of theirs in the same pass sends these first.
    var senders: Set<ChatName> = []
}

extension SayBatch {
    mutating func append(millis: Int64, from: ChatName, text: UnsafeRawBufferPointer) {
        if count > 0 { body.append(UInt8(ascii: "\n")) }
        ClusterWire.appendEntry(millis: millis, from: from, text: text, to: &body)
        count += 1
    }
}
