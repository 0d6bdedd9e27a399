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
        while !session.isAwaiting, !session.isClosed, !session.continuations.isEmpty {
            session.continuations.removeFirst()()
        }
        while !session.isAwaiting, !session.isClosed, !session.backlog.isEmpty {
            switch session.backlog.removeFirst() {
            case .line(let bytes): _ = bytes.withUnsafeBytes { handle(line: $0, from: session) }
            case .tooLong: rejectLongLine(from: session)
            }
        }
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
