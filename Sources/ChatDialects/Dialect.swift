import ChatCore

/// One of the classic teaching chats' protocols, spoken on a port of its own and
/// translated at the edge into the commands and events of protocol v1.
public enum Dialect: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The `register`/`list`/`chat` server of the concurrency lessons: commands without a
    /// newline, answers `ack`, the names joined by commas, `<from> says <text>`.
    case classic
    /// The threaded chat room that asks `GET_NAME` and shows every message to everyone.
    case nickname
    /// The threaded server for `telnet` users: plain lines, `/nick`, `/quit`, time stamps.
    case telnet

    public var description: String { rawValue }

    /// The format its sessions' events are written in: the registry's formats after v1,
    /// in the order of ``allCases``.
    public var formatID: FormatID { FormatID(index: 2 + Self.allCases.firstIndex(of: self)!) }

    /// How its clients end a command.
    public var framing: Framing {
        switch self {
        case .classic, .nickname: .lineOrQuietGap
        case .telnet: .line
        }
    }

    /// Where one client message ends.
    public enum Framing: Sendable {
        /// At LF, as in protocol v1.
        case line
        /// At LF, or when the client has sent nothing more for a short quiet gap: the
        /// classic clients send one command per `send()` with no newline and wait for the answer.
        case lineOrQuietGap
    }
}
