import ChatCore

/// Classifies the lines the server sends, as far as the load generator cares.
enum ServerLine {
    enum Kind: Equatable {
        case chat, say, pong, ack, list, joined, error, bye
        /// Protocol v2: `msg,<room>,<id>,<unix-ms>,<from>,<text>`, and the end of a replay.
        case msg, replayed
        /// join, leave, quit, nick, history, who, rooms, help: counted by nobody.
        case notice
    }

    /// The line's kind and everything after its first comma (empty when there is none).
    static func parse(_ line: UnsafeRawBufferPointer) -> (Kind, UnsafeRawBufferPointer)? {
        let (head, tail) = LineBytes.splitAtComma(line)
        let rest = tail ?? UnsafeRawBufferPointer(rebasing: line[line.count...])
        guard let first = head.first else { return nil }
        let kind: Kind
        // The first byte and the length tell the verbs apart, but for list/left.
        switch (first, head.count) {
        case (UInt8(ascii: "c"), 4): kind = .chat
        case (UInt8(ascii: "s"), 3): kind = .say
        case (UInt8(ascii: "p"), 4): kind = .pong
        case (UInt8(ascii: "a"), 3): kind = .ack
        case (UInt8(ascii: "l"), 4): kind = head[1] == UInt8(ascii: "i") ? .list : .notice
        case (UInt8(ascii: "j"), 6): kind = .joined
        case (UInt8(ascii: "e"), 5): kind = .error
        case (UInt8(ascii: "b"), 3): kind = .bye
        case (UInt8(ascii: "m"), 3): kind = .msg
        case (UInt8(ascii: "r"), 8): kind = .replayed
        default: kind = .notice
        }
        return (kind, rest)
    }

    /// The sender's index (below `users`) and the stamp of a `chat` (`<from>,<text>`) or
    /// `say` (`<room>,<from>,<text>`); nil for anything else, such as a real user's message.
    static func message(_ rest: UnsafeRawBufferPointer, kind: Kind, users: Int) -> (Int, MessageStamp)? {
        var fields = rest
        if kind == .say {
            guard let afterRoom = LineBytes.splitAtComma(fields).tail else { return nil }
            fields = afterRoom
        }
        let (from, text) = LineBytes.splitAtComma(fields)
        guard let text, from.count >= 2, from[0] == UInt8(ascii: "u"),
              let number = MessageStamp.decimal(UnsafeRawBufferPointer(rebasing: from[1...])),
              let sender = Int(exactly: number), sender < users,
              let stamp = MessageStamp(text) else { return nil }
        return (sender, stamp)
    }

    /// The id, the sender's index (below `users`, or nil for a real user) and the stamp of
    /// a `msg` (`<room>,<id>,<unix-ms>,<from>,<text>`); nil when the line is malformed.
    static func roomMessage(_ rest: UnsafeRawBufferPointer, users: Int) -> (id: UInt64, sender: (Int, MessageStamp)?)? {
        guard let afterRoom = LineBytes.splitAtComma(rest).tail else { return nil }
        let (idField, afterID) = LineBytes.splitAtComma(afterRoom)
        guard let id = MessageStamp.decimal(idField), let afterID,
              let afterMillis = LineBytes.splitAtComma(afterID).tail else { return nil }
        // `<from>,<text>` reads as a chat's fields.
        return (id, message(afterMillis, kind: .chat, users: users))
    }

    /// The last id of `joined,<room>,<members>,<epoch>,<last-id>` (protocol v2).
    static func lastID(ofJoined rest: UnsafeRawBufferPointer) -> UInt64? {
        guard let comma = rest.lastIndex(of: UInt8(ascii: ",")) else { return nil }
        return MessageStamp.decimal(UnsafeRawBufferPointer(rebasing: rest[(comma + 1)...]))
    }

    /// The epoch of `joined,<room>,<members>,<epoch>,<last-id>` (protocol v2).
    static func epoch(ofJoined rest: UnsafeRawBufferPointer) -> [UInt8]? {
        let fields = rest.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        return fields.count == 4 ? Array(fields[2]) : nil
    }

    /// The code of `error,<code>[,<detail>]`.
    static func errorCode(_ rest: UnsafeRawBufferPointer) -> String {
        String(decoding: LineBytes.splitAtComma(rest).head, as: UTF8.self)
    }
}
