import ChatCore

/// The threaded server for `telnet` users: a newcomer is named after its address
/// (`<host>_<port>` through ``NameMapping``, such as `127.0.0.1_54321`), is in the
/// dialect room at once, and gets the room's history, then its own `has joined`.
/// `/nick <name>` renames, `/quit [text]` leaves, anything else is a message to the
/// room, shown to its sender too, as that server showed every message to everyone.
public final class TelnetEdge: DialectEdge {
    private let room: ChatName
    private let initialName: String
    private let format: TelnetFormat
    private var command = CommandBuilder()

    /// - Parameters:
    ///   - host: the peer's numeric address.
    ///   - format: the telnet format the registry writes this session's events in.
    public init(room: ChatName, host: String, port: Int, format: TelnetFormat) {
        self.room = room
        self.initialName = "\(host)_\(port)"
        self.format = format
    }

    public func opened(_ session: Session, chat: Dispatcher) {
        guard let name = NameMapping.map(initialName) else {
            session.send { line in
                TelnetFormat.notice(&line) { notice in
                    var given = initialName
                    given.withUTF8 { PlainWords.appendUnusableName(UnsafeRawBufferPointer($0), to: &notice) }
                }
            }
            return session.close(chat: chat)
        }
        _ = name.withField { command.run("register", $0, from: session, chat: chat) }
        // Each step once the one before is answered (on a node of a cluster, by the cluster).
        chat.afterAnswer(to: session) { [self] in
            // A name that is taken was answered by the dispatcher, in this dialect's words.
            guard session.name != nil else { return session.close(chat: chat) }
            _ = room.withField { command.run("join", $0, from: session, chat: chat) }
            chat.afterAnswer(to: session) { [self] in
                guard session.roomCount > 0 else { return }  // the join was refused
                session.send { format.write(.memberJoined(room: room, name: name), into: &$0) }
            }
        }
    }

    public func received(_ message: UnsafeRawBufferPointer, from session: Session, chat: Dispatcher) {
        if hasPrefix(message, "/nick") {
            let given = trimmed(dropFirst(message, 5))
            guard !given.isEmpty else { return }  // as that server did: no name, no change
            guard let name = NameMapping.map(given) else {
                return session.send { line in
                    TelnetFormat.notice(&line) { PlainWords.appendUnusableName(given, to: &$0) }
                }
            }
            _ = name.withField { command.run("nick", $0, from: session, chat: chat) }
        } else if hasPrefix(message, "/quit") {
            let text = trimmed(dropFirst(message, 5))
            if text.isEmpty { command.run("quit", from: session, chat: chat) } else { command.run("quit", [text], from: session, chat: chat) }
        } else if !trimmed(message).isEmpty {
            guard room.withBytes({ command.run("say", [$0, message], from: session, chat: chat) }),
                  let name = session.name else { return }
            // The dialect shows neither id nor time on a message.
            session.send { format.write(.say(room: room, id: 0, millis: 0, from: name, text: message), into: &$0) }
        }
    }
}
