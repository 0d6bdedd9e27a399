import ChatCore

/// The chat room's words: `<name> connected to server!` to a newcomer, `<name> joined!`
/// and `<name> left!` to the others, and each message as `<name>: <text>`, which is what
/// that room's clients sent and saw. Each ends with a newline so that messages never
/// run together. Its clients decode ASCII only, so every non-ASCII character is written `?`.
public final class NicknameFormat: EventFormat {
    public init() {}

    public func write(_ event: ChatEvent, into line: inout LineBuilder) {
        switch event {
        case .chat(let from, let text):
            line.append(from)
            line.append(" (private): ")
            Self.appendASCII(text, orHi: true, to: &line)
        case .memberJoined(_, let name):
            line.append(name)
            line.append(" joined!")
        case .say(_, _, _, let from, let text):
            line.append(from)
            line.append(": ")
            Self.appendASCII(text, orHi: false, to: &line)
        case .memberLeft(_, let name), .quit(let name, _, _):
            line.append(name)
            line.append(" left!")
        case .nick(let old, let new):
            line.append(old)
            line.append(" is now known as ")
            line.append(new)
        case .error(let code, let detail):
            var sentence = LineBuilder(capacity: 128)
            PlainWords.append(code, detail: detail, to: &sentence)
            sentence.withBytes { Self.appendASCII($0, orHi: false, to: &line) }
        case .bye(let reason):
            guard PlainWords.append(reason, to: &line) else { return }
        case .ack, .userList, .joined, .history, .left, .roomList, .who, .pong, .help, .hello, .replayed:
            return
        }
        line.appendNewline()
    }

    /// `<name> connected to server!`: the edge greets once the newcomer is in the room (the
    /// `ack` of its register says nothing, since on a node of a cluster the join comes later).
    static func greet(_ name: ChatName, into line: inout LineBuilder) {
        line.append(name)
        line.append(" connected to server!")
        line.appendNewline()
    }

    /// Appends UTF-8 text with each non-ASCII character as `?`.
    static func appendASCII(_ text: UnsafeRawBufferPointer?, orHi: Bool, to line: inout LineBuilder) {
        guard let text else {
            if orHi { line.append("hi") }
            return
        }
        for byte in text {
            if byte < 0x80 {
                line.append(byte)
            } else if byte >= 0xC0 {
                line.append(UInt8(ascii: "?"))  // a lead byte; continuation bytes (0x80-0xBF) add nothing
            }
        }
    }
}
