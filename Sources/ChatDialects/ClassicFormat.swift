import ChatCore

/// The classic server's answers, byte for byte as its clients read them: `ack` and the
/// names joined by commas with no line end (each client reads one `recv` per answer),
/// `<from> says <text>` with the newline the threaded server sends. Failures and
/// closings are sentences. Every other event is its protocol v1 line: a classic client
/// that sends v1 commands gets v1 answers.
public final class ClassicFormat: EventFormat {
    public init() {}

    public func write(_ event: ChatEvent, into line: inout LineBuilder) {
        switch event {
        case .ack:
            line.append("ack")
        case .userList(let names):
            for (position, name) in names.enumerated() {
                if position > 0 { line.appendComma() }
                line.append(name)
            }
        case .chat(let from, let text):
            line.append(from)
            line.append(" says ")
            if let text { line.append(text) } else { line.append("hi") }
            line.appendNewline()
        case .error(let code, let detail):
            PlainWords.append(code, detail: detail, to: &line)
            line.appendNewline()
        case .bye(let reason):
            if PlainWords.append(reason, to: &line) { line.appendNewline() }
        default:
            V1Format.write(event, into: &line)
        }
    }
}
