/// Waiting for the world's answers: a command the world answers later holds the session's
/// later lines in its backlog (a transport stops reading meanwhile), and the answer runs them,
/// in order, until one of them waits in turn. A world that answers at once goes through the
/// same path inside the call.
extension Dispatcher {
    /// The session's next lines wait until ``answer(_:_:)``.
    func awaitAnswer(_ session: Session) {
        session.isAwaiting = true
    }

    /// Carries out an answer (unless the session has gone meanwhile), then the lines that
    /// waited for it, until one of them waits in turn.
    func answer(_ session: Session, _ body: () -> Void) {
        session.isAwaiting = false
        guard !session.isClosed else { return }
        body()
        // The queue is looked up afresh for each item: what runs may add to it, or end the session.
        let key = ObjectIdentifier(session)
        while !session.isAwaiting, !session.isClosed, let action = answerQueues[key]?.continuations.first {
            answerQueues[key]?.continuations.removeFirst()
            action()
        }
        while !session.isAwaiting, !session.isClosed, let next = answerQueues[key]?.backlog.first {
            answerQueues[key]?.backlog.removeFirst()
            switch next {
            case .line(let bytes): _ = bytes.withUnsafeBytes { handle(line: $0, from: session) }
            case .tooLong: rejectLongLine(from: session)
            }
        }
        if answerQueues[key]?.isEmpty == true { answerQueues[key] = nil }
        // An answer given inside the request (a local world; a node that cannot queue the
        // command answers `unavailable` at once) comes while the transport is still reading
        // this session's lines: it reads on by itself, and asked to read again it would nest
        // its reader.
        guard !session.isAwaiting, !session.isClosed, handling !== session else { return }
        session.resumeReading()
    }

    /// False, after answering `unavailable`, when the world cannot be reached.
    func available(for session: Session) -> Bool {
        guard world.isAvailable else {
            sendError(.unavailable, to: session)
            return false
        }
        return true
    }
}
