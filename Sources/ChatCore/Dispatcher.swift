/// Turns each complete line from a session into a command and carries it out
/// against the registry: framing errors, the error precedence of protocol v1,
/// replies, and fan-out.
///
/// Lines are parsed in place and replies formatted into one reused buffer, so
/// a line costs no allocation once the server is warm.
public final class Dispatcher {
    /// The registry every command acts on.
    public let registry: Registry
    /// The longest client line accepted, in bytes without LF (or the CR before it).
    public let maxLine: Int
    var out = LineBuilder()
    let clock: () -> Int64
    /// Non-blank lines handled since start, errors included.
    public private(set) var commands: UInt64 = 0
    /// Error replies since start, by code.
    public private(set) var errors: [ErrorCode: UInt64] = [:]
    private let lineTooLongReply: [UInt8]

    public init(registry: Registry, maxLine: Int, clock: @escaping () -> Int64 = UnixClock.nowMillis) {
        precondition(maxLine >= 1, "maxLine must be at least 1")
        self.registry = registry
        self.maxLine = maxLine
        self.clock = clock
        self.lineTooLongReply = Array("error,line-too-long,\(maxLine)\n".utf8)
    }

    /// Handles one complete line, without its LF or the CR before it.
    public func handle(line: UnsafeRawBufferPointer, from session: Session) {
        guard !session.isClosed else { return }
        guard UTF8Check.isValidWithoutNUL(line) else {
            commands &+= 1
            return sendError(.badUTF8, to: session)
        }
        let (head, arguments) = LineBytes.splitAtComma(line)
        let verbBytes = LineBytes.trimmed(head)
        if arguments == nil && verbBytes.isEmpty { return }  // blank line
        commands &+= 1
        guard let verb = Verb(verbBytes) else {
            return sendError(.unknownCommand, detail: verbBytes, to: session)
        }
        if verb.needsRegistration && session.name == nil {
            return sendError(.notRegistered, to: session)
        }
        guard let command = Command(verb: verb, arguments: arguments) else {
            let spelling = verb.spelling
            return sendError(.badArgs, detail: UnsafeRawBufferPointer(start: spelling.utf8Start,
                                                                      count: spelling.utf8CodeUnitCount), to: session)
        }
        execute(command, from: session)
    }

    /// Answers a line longer than ``maxLine`` with `error,line-too-long,<limit>`.
    public func rejectLongLine(from session: Session) {
        guard !session.isClosed else { return }
        commands &+= 1
        errors[.lineTooLong, default: 0] += 1
        lineTooLongReply.withUnsafeBytes { registry.deliver($0, to: session) }
    }

    /// The session's connection is gone (or going) without `quit`: frees its name
    /// and tells its rooms `quit,<name>,` when `notify` is set.
    public func disconnect(_ session: Session, notify: Bool = true) {
        guard !session.isClosed else { return }
        session.isClosed = true
        guard let name = session.name else { return }
        if notify && session.roomCount > 0 {
            out.reset()
            out.append("quit,")
            out.append(name)
            out.append(",\n")
            out.withBytes { registry.broadcastToRoomMates(of: session, $0) }
        }
        registry.unregister(session)
    }

    func sendError(_ code: ErrorCode, detail: UnsafeRawBufferPointer? = nil, to session: Session) {
        errors[code, default: 0] += 1
        out.reset()
        out.append("error,")
        out.append(code.rawValue)
        if let detail {
            out.appendComma()
            out.append(detail)
        }
        out.appendNewline()
        out.withBytes { registry.deliver($0, to: session) }
    }
}
