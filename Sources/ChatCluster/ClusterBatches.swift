import ChatCore

// What a node gathers during one loop pass and sends to Redis at its end: one script
// call per room for room messages, one for all direct messages.

/// The room messages of one loop pass for one room, sent as one script call.
struct SayBatch {
    var body: [UInt8] = []
    var count = 0
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
