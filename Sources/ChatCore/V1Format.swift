/// Protocol v1's lines for every event: the format every registry has first.
public final class V1Format: EventFormat {
    /// The text of `help`: the twelve verbs.
    static let helpLine: StaticString = "help,register list chat join say leave rooms who nick quit ping help"

    public init() {}

    public func write(_ event: ChatEvent, into line: inout LineBuilder) {
        Self.write(event, into: &line)
    }

    /// The same, called directly (not through the protocol) on the fan-out path.
    @inline(__always)
    public static func write(_ event: ChatEvent, into line: inout LineBuilder) {
        switch event {
        case .ack(let name, _):
            line.append("ack,")
            line.append(name)
        case .userList(let names):
            line.append("list")
            appendNames(names, to: &line)
        case .chat(let from, let text):
            line.append("chat,")
            line.append(from)
            line.appendComma()
            if let text { line.append(text) } else { line.append("hi") }
        case .joined(let room, let members, _, _):
            line.append("joined,")
            line.append(room)
            line.appendComma()
            line.append(decimal: Int64(members))
        case .history(let room, _, let millis, let from, let text):
            line.append("history,")
            line.append(room)
            line.appendComma()
            line.append(decimal: millis)
            line.appendComma()
            line.append(from)
            line.appendComma()
            line.append(text)
        case .memberJoined(let room, let name):
            line.append("join,")
            line.append(room)
            line.appendComma()
            line.append(name)
        case .say(let room, _, _, let from, let text):
            line.append("say,")
            line.append(room)
            line.appendComma()
            line.append(from)
            line.appendComma()
            line.append(text)
        case .left(let room):
            line.append("left,")
            line.append(room)
        case .memberLeft(let room, let name):
            line.append("leave,")
            line.append(room)
            line.appendComma()
            line.append(name)
        case .roomList(let names):
            line.append("rooms")
            appendNames(names, to: &line)
        case .who(let room, let members):
            line.append("who,")
            line.append(room)
            appendNames(members, to: &line)
        case .nick(let old, let new):
            line.append("nick,")
            line.append(old)
            line.appendComma()
            line.append(new)
        case .quit(let name, let text, _):
            line.append("quit,")
            line.append(name)
            line.appendComma()
            if let text { line.append(text) }
        case .pong(let token):
            line.append("pong")
            if let token {
                line.appendComma()
                line.append(token)
            }
        case .help:
            line.append(helpLine)
        case .hello(let version):
            line.append("hello,")
            line.append(decimal: Int64(version))
        case .replayed:
            return  // a version 1 client hears no end of a replay
        case .error(let code, let detail):
            line.append("error,")
            line.append(code.rawValue)
            if let detail {
                line.appendComma()
                line.append(detail)
            }
        case .bye(let reason):
            line.append("bye,")
            line.append(reason.rawValue)
        }
        line.appendNewline()
    }

    private static func appendNames(_ names: [ChatName], to line: inout LineBuilder) {
        for name in names {
            line.appendComma()
            line.append(name)
        }
    }
}
