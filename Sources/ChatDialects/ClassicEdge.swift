import ChatCore

/// The classic server's commands are protocol v1's own (`register,<name>`,
/// `list,friends`, `chat,<name>`): they pass as they are, except that the names in
/// `register` and `chat` go through ``NameMapping``, since the classic server took any name.
public final class ClassicEdge: DialectEdge {
    private var command = CommandBuilder()

    public init() {}

    public func opened(_ session: Session, chat: Dispatcher) {}

    public func received(_ message: UnsafeRawBufferPointer, from session: Session, chat: Dispatcher) {
        let (head, arguments) = LineBytes.splitAtComma(message)
        let verb = trimmed(head)
        if let arguments, isVerb(verb, "register") {
            return run("register", name: arguments, rest: nil, from: session, chat: chat)
        }
        if let arguments, isVerb(verb, "chat") {
            let (name, text) = LineBytes.splitAtComma(arguments)
            return run("chat", name: name, rest: text, from: session, chat: chat)
        }
        chat.handle(line: message, from: session)
    }

    /// Runs `verb,<mapped name>[,rest]`; a name that maps to nothing goes as given, for v1's `bad-name`.
    private func run(_ verb: StaticString, name given: UnsafeRawBufferPointer, rest: UnsafeRawBufferPointer?,
                     from session: Session, chat: Dispatcher) {
        let trimmedName = trimmed(given)
        guard !trimmedName.isEmpty, let name = NameMapping.map(trimmedName) else {
            command.run(verb, [given] + (rest.map { [$0] } ?? []), from: session, chat: chat)
            return
        }
        _ = name.withBytes { command.run(verb, [$0] + (rest.map { [$0] } ?? []), from: session, chat: chat) }
    }

    private func isVerb(_ bytes: UnsafeRawBufferPointer, _ verb: StaticString) -> Bool {
        guard bytes.count == verb.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: verb.utf8Start, count: verb.utf8CodeUnitCount)
        return zip(bytes, expected).allSatisfy { ($0 | 0x20) == $1 }
    }
}
