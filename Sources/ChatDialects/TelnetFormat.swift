import ChatCore

/// The threaded server's words, each line stamped `At <asctime> -- ` and ended with CRLF:
/// `<name> has joined`, `Message from <name>:` with the text on the next line after a
/// tab, `<old> now goes by <new>`, `<name> is leaving now [-- <text>]`, `<name> has exited`.
/// A room's history comes back in the same words with each message's own time.
/// Failures and closings are `*** <sentence>`.
public final class TelnetFormat: EventFormat {
    private let clock: () -> Int64
    private var stamp = AsctimeStamp()

    /// - Parameter clock: wall-clock milliseconds since the Unix epoch.
    public init(clock: @escaping () -> Int64) {
        self.clock = clock
    }

    public func write(_ event: ChatEvent, into line: inout LineBuilder) {
        switch event {
        case .ack(let name, let previous?):
            stamped(&line) { $0.append(previous); $0.append(" now goes by "); $0.append(name) }
        case .nick(let old, let new):
            stamped(&line) { $0.append(old); $0.append(" now goes by "); $0.append(new) }
        case .chat(let from, let text):
            stamped(&line) { message(&$0, "Private message from ", from, text ?? Self.hi) }
        case .history(_, _, let millis, let from, let text):
            stamped(&line, at: millis) { message(&$0, "Message from ", from, text) }
        case .say(_, _, _, let from, let text):
            stamped(&line) { message(&$0, "Message from ", from, text) }
        case .memberJoined(_, let name):
            stamped(&line) { $0.append(name); $0.append(" has joined") }
        case .memberLeft(_, let name), .quit(let name, _, false):
            stamped(&line) { $0.append(name); $0.append(" has exited") }
        case .quit(let name, let text, true):
            stamped(&line) { line in
                line.append(name)
                line.append(" is leaving now")
                if let text, !trimmed(text).isEmpty {
                    line.append(" -- ")
                    line.append(trimmed(text))
                }
            }
        case .error(let code, let detail):
            Self.notice(&line) { PlainWords.append(code, detail: detail, to: &$0) }
        case .bye(.quit):
            return  // that server said nothing to a user who left
        case .bye(let reason):
            Self.notice(&line) { _ = PlainWords.append(reason, to: &$0) }
        case .ack, .userList, .joined, .left, .roomList, .who, .pong, .help, .hello, .replayed:
            return
        }
    }

    /// `*** ` + what `body` writes + CRLF: how this dialect says what is not a chat message.
    static func notice(_ line: inout LineBuilder, _ body: (inout LineBuilder) -> Void) {
        line.append("*** ")
        body(&line)
        line.append("\r\n")
    }

    private static let hiBytes: StaticString = "hi"
    private static var hi: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: hiBytes.utf8Start, count: hiBytes.utf8CodeUnitCount) }

    /// `At <stamp> -- ` + what `body` writes + CRLF.
    private func stamped(_ line: inout LineBuilder, at millis: Int64? = nil, _ body: (inout LineBuilder) -> Void) {
        line.append("At ")
        stamp.append(millis: millis ?? clock(), to: &line)
        line.append(" -- ")
        body(&line)
        line.append("\r\n")
    }

    private func message(_ line: inout LineBuilder, _ kind: StaticString, _ from: ChatName, _ text: UnsafeRawBufferPointer) {
        line.append(kind)
        line.append(from)
        line.append(":\r\n\t")
        line.append(text)
    }
}
