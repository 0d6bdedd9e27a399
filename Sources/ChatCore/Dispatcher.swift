/// Turns each complete line from a session into a command and carries it out against its
/// ``ChatWorld``: framing errors, the error precedence of protocol v1, each command's checks
/// (once, whichever world answers), replies in command order, and fan-out.
///
/// Lines are parsed in place and answered with typed ``ChatEvent``s, which the
/// registry writes in each recipient's format into reused buffers, so a line costs
/// no allocation once the server is warm.
public final class Dispatcher {
    /// The registry every command acts on.
    public let registry: Registry
    /// The longest client line accepted, in bytes without LF (or the CR before it).
    public let maxLine: Int
    public let limits: ChatLimits
    let clock: () -> Int64
    let monotonicClock: () -> Double
    /// Non-blank lines handled since start, errors included.
    /// Unchecked for exclusivity, like the session fields every line reads (see ``Session``).
    @exclusivity(unchecked) public private(set) var commands: UInt64 = 0
    /// Error replies since start, by code.
    public internal(set) var errors: [ErrorCode: UInt64] = [:]
    /// The limit as decimal digits: the detail of `line-too-long`.
    private let lineTooLongDetail: [UInt8]
    /// Set when the command being handled was answered with an error.
    @exclusivity(unchecked) var failed = false
    /// The session whose line is being handled now, if any. Unowned and unchecked: it is
    /// set only while ``handle(line:from:)`` runs, whose caller holds the session.
    @exclusivity(unchecked) private(set) unowned(unsafe) var handling: Session?
    /// Where the chat's shared state lives: a ``LocalWorld`` over the registry, which answers
    /// every command at once, or a node of a cluster, whose answers come later.
    public var world: any ChatWorld
    /// Chats asked of the world so far: each one's ticket among its session's held replies.
    var chatsAsked: UInt64 = 0
    /// The chat being asked inside `world.chat`'s call, and its answer if given there.
    var askingChat: UInt64 = 0
    var answeredAtOnce: ClusterReply?
    /// What waits on each session whose world has yet to answer (its lines, a dialect's next
    /// steps, replies held behind a chat); no entry for a session with nothing waiting.
    var answerQueues: [ObjectIdentifier: AnswerQueue] = [:]

    /// - Parameters:
    ///   - clock: wall-clock milliseconds, for history timestamps.
    ///   - monotonicClock: seconds that never jump, for the rate limit.
    public init(registry: Registry, maxLine: Int, limits: ChatLimits = ChatLimits(),
                clock: @escaping () -> Int64 = UnixClock.nowMillis,
                monotonicClock: @escaping () -> Double = UnixClock.monotonicSeconds) {
        precondition(maxLine >= 1, "maxLine must be at least 1")
        precondition(limits.rateBurst >= 1, "rateBurst must be at least 1")
        self.registry = registry
        self.maxLine = maxLine
        self.limits = limits
        self.clock = clock
        self.monotonicClock = monotonicClock
        self.lineTooLongDetail = Array("\(maxLine)".utf8)
        world = LocalWorld(registry: registry, limits: limits)
    }

    /// Handles one complete line, without its LF or the CR before it.
    ///
    /// - Returns: false when the line was answered with an error, or not handled at
    ///   all (a blank line, a closed session): what a dialect needs to know to echo it.
    @discardableResult
    public func handle(line: UnsafeRawBufferPointer, from session: Session) -> Bool {
        registry.loopBinding.check()
        guard !session.isClosed else { return false }
        if session.isAwaiting {
            answerQueues[ObjectIdentifier(session), default: AnswerQueue()].backlog.append(.line(Array(line)))
            return true
        }
        let (head, arguments) = LineBytes.splitAtComma(line)
        let verbBytes = LineBytes.trimmed(head)
        if arguments == nil && verbBytes.isEmpty { return false }  // blank line: takes no token
        failed = false
        let outer = handling
        handling = session
        run(verbBytes: verbBytes, arguments: arguments, line: line, from: session)
        handling = outer
        return !failed
    }

    private func run(verbBytes: UnsafeRawBufferPointer, arguments: UnsafeRawBufferPointer?,
                     line: UnsafeRawBufferPointer, from session: Session) {
        commands &+= 1
        // Every other line takes a token, whatever becomes of it; the error for
        // having none comes after bad-args in the protocol's order.
        let withinRate = takeToken(session)
        guard UTF8Check.isValidWithoutNUL(line) else {
            return sendError(.badUTF8, to: session)
        }
        guard let verb = Verb(verbBytes), !verb.needsVersion2 || registry.speaksVersion2(session) else {
            return sendError(.unknownCommand, detail: verbBytes, to: session)
        }
        if verb.needsRegistration && session.name == nil {
            return sendError(.notRegistered, to: session)
        }
        // A join with an id answers with version 2 lines: version 1 has no such join.
        var command = Command(verb: verb, arguments: arguments)
        if case .join(_, .some) = command, !registry.speaksVersion2(session) { command = nil }
        guard let command else {
            let spelling = verb.spelling
            return sendError(.badArgs, detail: UnsafeRawBufferPointer(start: spelling.utf8Start,
                                                                      count: spelling.utf8CodeUnitCount), to: session)
        }
        guard withinRate else { return sendError(.rateLimited, to: session) }
        execute(command, from: session)
    }

    /// Runs `action` once the session's command that awaits the world has its answer, before
    /// the lines that came meanwhile; at once when none waits. A dialect's next step after a
    /// command (join once registered, a greeting once joined) comes in its turn so.
    public func afterAnswer(to session: Session, _ action: @escaping () -> Void) {
        guard !session.isClosed else { return }
        guard session.isAwaiting else { return action() }
        answerQueues[ObjectIdentifier(session), default: AnswerQueue()].continuations.append(action)
    }

    /// Answers a line longer than ``maxLine`` with `error,line-too-long,<limit>`.
    public func rejectLongLine(from session: Session) {
        guard !session.isClosed else { return }
        if session.isAwaiting { return answerQueues[ObjectIdentifier(session), default: AnswerQueue()].backlog.append(.tooLong) }
        commands &+= 1
        _ = takeToken(session)  // an over-long line takes a token too; its own error comes first
        errors[.lineTooLong, default: 0] += 1
        // In its place among the replies: behind those held for an earlier `chat`.
        lineTooLongDetail.withUnsafeBytes { reply(.error(.lineTooLong, detail: $0), to: session) }
    }

    /// The session's connection is gone (or going) without `quit`: frees its name
    /// and tells its rooms `quit,<name>,` when `notify` is set.
    public func disconnect(_ session: Session, notify: Bool = true) {
        registry.loopBinding.check()
        // Whatever waited goes with it (and no later session may find it under this identity).
        answerQueues[ObjectIdentifier(session)] = nil
        guard !session.isClosed else { return }
        session.isClosed = true
        guard let name = session.name else { return }
        leaveWorld(session, name: name, text: nil, voluntary: false, notify: notify)
    }

    /// Takes a `--rate-limit` token from the session; true when there was one or no limit is set.
    private func takeToken(_ session: Session) -> Bool {
        guard let rate = limits.rateLimit else { return true }
        let now = monotonicClock()
        var bucket = session.rateBucket ?? TokenBucket(burst: limits.rateBurst, now: now)
        let taken = bucket.take(now: now, rate: rate, burst: limits.rateBurst)
        session.rateBucket = bucket
        return taken
    }

    func sendError(_ code: ErrorCode, detail: UnsafeRawBufferPointer? = nil, to session: Session) {
        errors[code, default: 0] += 1
        failed = true
        reply(.error(code, detail: detail), to: session)
    }

    /// Sends the answer to a session's own command: at once, or behind an earlier `chat`
    /// that still waits for the world.
    func reply(_ event: ChatEvent, to session: Session) {
        // One loop's world holds no replies: nothing waits, and no lookup is made.
        let key = ObjectIdentifier(session)
        guard !answerQueues.isEmpty, answerQueues[key]?.heldReplies != nil else { return registry.deliver(event, to: session) }
        registry.withLines(of: event, in: session.format) { answerQueues[key]?.heldReplies?.append($0) }
    }
}
