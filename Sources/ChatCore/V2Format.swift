/// Protocol v2 lines, for a connection that said `hello,2`: room messages (live and
/// replayed) as `msg,<room>,<id>,<unix-ms>,<from>,<text>`, `joined` with the room record's
/// epoch and last id, the end of each replay, and the rest as protocol v1 writes it.
public final class V2Format: EventFormat {
    static let helpLine: StaticString = "help,register list chat join say leave rooms who nick quit ping help hello history"

    public init() {}

    public var protocolVersion: Int { 2 }

    public func write(_ event: ChatEvent, into line: inout LineBuilder) {
        Self.write(event, into: &line)
    }

    public static func write(_ event: ChatEvent, into line: inout LineBuilder) {
        switch event {
        case .say(let room, let id, let millis, let from, let text), .history(let room, let id, let millis, let from, let text):
            line.append("msg,")
            line.append(room)
            line.appendComma()
            line.append(decimal: id)
            line.appendComma()
            line.append(decimal: millis)
            line.appendComma()
            line.append(from)
            line.appendComma()
            line.append(text)
        case .joined(let room, let members, let epoch, let lastID):
            line.append("joined,")
            line.append(room)
            line.appendComma()
            line.append(decimal: Int64(members))
            line.appendComma()
            epoch.write(into: &line)
            line.appendComma()
            line.append(decimal: lastID)
        case .replayed(let room, let count, let complete):
            line.append("replayed,")
            line.append(room)
            line.appendComma()
            line.append(decimal: Int64(count))
            line.append(complete ? ",ok" : ",gap")
        case .help:
            line.append(helpLine)
        default:
            return V1Format.write(event, into: &line)
        }
        line.appendNewline()
    }
}
