import ChatCore

/// The chat room's handshake and messages: the server asks `GET_NAME`, the first
/// message is the nickname (mapped by ``NameMapping``; a nickname that is taken or
/// maps to nothing is told so and the connection closes, since that client asks only
/// once); then the user is in the dialect room and every message is said there.
///
/// That room's clients put `<nickname>: ` before every message; the edge takes that
/// prefix off, so protocol v1 members see the text alone and other chat-room users see
/// `<name>: <text>`, as before. A message of only `q`, `exit`, `close` or `disconnect`
/// leaves, as that server's disconnect words did.
public final class NicknameEdge: DialectEdge {
    private let room: ChatName
    private var command = CommandBuilder()
    /// The nickname as the client typed it, which its messages start with; nil until given.
    private var typed: [UInt8]?

    public init(room: ChatName) {
        self.room = room
    }

    static let prompt: StaticString = "GET_NAME"
    static let disconnectWords: [StaticString] = ["q", "exit", "close", "disconnect"]

    public func opened(_ session: Session, chat: Dispatcher) {
        let prompt = Self.prompt
        session.send(UnsafeRawBufferPointer(start: prompt.utf8Start, count: prompt.utf8CodeUnitCount))
    }

    public func received(_ message: UnsafeRawBufferPointer, from session: Session, chat: Dispatcher) {
        guard let typed else { return register(message, session: session, chat: chat) }
        var text = message
        typed.withUnsafeBytes { nickname in
            if text.count >= nickname.count + 2, text.prefix(nickname.count).elementsEqual(nickname),
               text[nickname.count] == UInt8(ascii: ":"), text[nickname.count + 1] == UInt8(ascii: " ") {
                text = dropFirst(text, nickname.count + 2)
            }
        }
        let word = trimmed(text)
        if Self.disconnectWords.contains(where: { word.elementsEqual(UnsafeRawBufferPointer(start: $0.utf8Start, count: $0.utf8CodeUnitCount)) }) {
            command.run("quit", from: session, chat: chat)
            return
        }
        _ = room.withBytes { command.run("say", [$0, text], from: session, chat: chat) }
    }

    private func register(_ message: UnsafeRawBufferPointer, session: Session, chat: Dispatcher) {
        let given = trimmed(message)
        guard let name = NameMapping.map(given) else {
            session.send { line in
                PlainWords.appendUnusableName(given, to: &line)
                line.appendNewline()
            }
            return session.close(chat: chat)
        }
        let nickname = Array(given)
        _ = name.withField { command.run("register", $0, from: session, chat: chat) }
        // Once registered (on a node of a cluster, once the cluster has answered).
        chat.afterAnswer(to: session) { [self] in
            // A name that is taken was answered by the dispatcher, in this dialect's words.
            guard session.name != nil else { return session.close(chat: chat) }
            typed = nickname
            _ = room.withField { command.run("join", $0, from: session, chat: chat) }
            chat.afterAnswer(to: session) {
                guard let name = session.name else { return }
                session.send { NicknameFormat.greet(name, into: &$0) }
            }
        }
    }
}
