/// The commands on a node of a cluster: what the local view can decide (bad names,
/// memberships, the per-user room limit) is decided at once, as on a single server; the
/// rest waits for the cluster while the session's further lines wait in its backlog.
///
/// Byte arguments point into the line being handled, so whatever an answer needs later
/// (a name, an error's detail) is copied before the cluster is asked.
extension Dispatcher {
    func execute(_ command: Command, from session: Session, in cluster: any ChatCluster) {
        switch command {
        case .register(let name): register(session, as: name, in: cluster)
        case .list:
            guard available(cluster, for: session) else { return }
            awaitAnswer(session)
            cluster.userNames { [self] names in
                answer(session) {
                    if let names { reply(.userList(names), to: session) } else { sendError(.unavailable, to: session) }
                }
            }
        case .rooms:
            guard available(cluster, for: session) else { return }
            awaitAnswer(session)
            cluster.roomNames { [self] names in
                answer(session) {
                    if let names { reply(.roomList(names), to: session) } else { sendError(.unavailable, to: session) }
                }
            }
        case .chat(let to, let text): chat(from: session, to: to, text: text, in: cluster)
        case .join(let room): join(session, room: room, in: cluster)
        case .say(let room, let text):
            guard let (room, _) = membership(of: session, in: room), let from = session.name else { return }
            guard cluster.say(in: room.name, from: from, millis: clock(), text: text) else {
                return sendError(.unavailable, to: session)
            }
        case .leave(let given):
            // The local room lets go at once; `left` waits until the cluster has let go too,
            // so that what the user does next sees the room without it.
            guard let (room, index) = membership(of: session, in: given), let name = session.name else { return }
            let spelling = room.name
            registry.leave(room, session: session, membershipIndex: index)
            awaitAnswer(session)
            cluster.leave(name, room: spelling, localRoom: registry.room(named: spelling)) { [self] in
                answer(session) { reply(.left(room: spelling), to: session) }
            }
        case .who(let room): who(for: session, in: room, cluster: cluster)
        case .nick(let name): nick(session, to: name, in: cluster)
        case .quit(let text):
            // Its bye is the last line: it waits for the replies still held for earlier chats.
            if session.heldReplies != nil {
                var line = Array("quit".utf8)
                if let text { line += [UInt8(ascii: ",")] + Array(text) }
                session.isAwaiting = true
                session.quitWaitsForReplies = true
                session.backlog.insert(.line(line), at: 0)
                return
            }
            quit(session, text: text)
        case .ping(let token): reply(.pong(token: token), to: session)
        case .help: reply(.help, to: session)
        }
    }

    /// Frees the session's name and memberships, locally at once and in the cluster, whose
    /// nodes (this one too) tell the rooms' members `quit`.
    func leaveCluster(_ session: Session, name: ChatName, cluster: any ChatCluster,
                      text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool = true) {
        let emptied = session.memberships.compactMap { $0.room.members.count == 1 ? $0.room.name : nil }
        registry.unregister(session)
        cluster.gone(name, text: text, voluntary: voluntary, notify: notify, emptied: emptied)
    }

    // MARK: Waiting for answers

    /// The session's next lines wait until ``answer(_:_:)``.
    private func awaitAnswer(_ session: Session) {
        session.isAwaiting = true
    }

    /// Carries out an answer (unless the session has gone meanwhile), then the lines that
    /// waited for it, until one of them waits in turn.
    private func answer(_ session: Session, _ body: () -> Void) {
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
        // An answer given inside the request (a node that cannot queue the command answers
        // `unavailable` at once) comes while the transport is still reading this session's
        // lines: it reads on by itself, and asked to read again it would nest its reader.
        guard !session.isAwaiting, !session.isClosed, handling !== session else { return }
        session.resumeReading()
    }

    /// False, after answering `unavailable`, when the node cannot reach the cluster.
    private func available(_ cluster: any ChatCluster, for session: Session) -> Bool {
        guard cluster.isAvailable else {
            sendError(.unavailable, to: session)
            return false
        }
        return true
    }

    // MARK: Commands

    private func register(_ session: Session, as given: UnsafeRawBufferPointer, in cluster: any ChatCluster) {
        if let current = session.name {
            return current.withBytes { sendError(.alreadyRegistered, detail: $0, to: session) }
        }
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard registry.user(named: name) == nil else { return sendError(.nameTaken, detail: given, to: session) }
        guard available(cluster, for: session) else { return }
        let detail = Array(given)
        awaitAnswer(session)
        cluster.claim(name, for: session) { [self] outcome in
            // Claimed for a session that has gone meanwhile: the claim goes too.
            if session.isClosed, case .done = outcome { cluster.gone(name, text: nil, voluntary: false, notify: true, emptied: []) }
            answer(session) {
                switch outcome {
                case .done:
                    registry.register(session, as: name)
                    reply(.ack(name: name, previous: nil), to: session)
                case .refused: detail.withUnsafeBytes { sendError(.nameTaken, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    /// A chat does not hold the session's later lines (a client may pipeline thousands): it
    /// takes a place among the session's replies, and replies made after it wait behind it
    /// until the cluster says whether the recipient exists.
    private func chat(from session: Session, to given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?,
                      in cluster: any ChatCluster) {
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let from = session.name else { return sendError(.noSuchUser, detail: given, to: session) }
        guard available(cluster, for: session) else { return }
        let detail = Array(given)
        if session.heldReplies == nil { session.heldReplies = HeldReplies() }
        let ticket = session.heldReplies!.takeTicket()
        cluster.chat(from: from, to: name, text: text) { [self] outcome in
            guard !session.isClosed, session.heldReplies != nil else { return }
            var error: [UInt8]?
            switch outcome {
            case .done: break
            case .refused:
                errors[.noSuchUser, default: 0] += 1
                error = detail.withUnsafeBytes { detail in
                    registry.withLines(of: .error(.noSuchUser, detail: detail), in: session.format) { Array($0) }
                }
            case .unavailable:
                errors[.unavailable, default: 0] += 1
                error = registry.withLines(of: .error(.unavailable, detail: nil), in: session.format) { Array($0) }
            }
            for bytes in session.heldReplies!.fill(ticket, with: error) {
                bytes.withUnsafeBytes { registry.send($0, to: session) }
            }
            guard session.heldReplies!.isEmpty else { return }
            session.heldReplies = nil
            // A quit waited for the replies before its bye.
            if session.quitWaitsForReplies {
                session.quitWaitsForReplies = false
                answer(session) {}
            }
        }
    }

    private func join(_ session: Session, room given: UnsafeRawBufferPointer, in cluster: any ChatCluster) {
        guard let roomName = ChatName(given), let name = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        if let existing = registry.room(named: roomName), session.membershipIndex(of: existing) != nil {
            return sendError(.alreadyInRoom, detail: given, to: session)
        }
        if let limit = limits.maxRoomsPerUser, session.roomCount >= limit {
            return sendError(.tooManyRooms, detail: given, to: session)
        }
        guard available(cluster, for: session) else { return }
        let detail = Array(given)
        awaitAnswer(session)
        cluster.join(session, as: name, room: roomName) { [self] outcome in
            answer(session) {
                switch outcome {
                case .joined(let spelling, let members, let history, let recent):
                    let room = registry.join(session, roomNamed: spelling)
                    reply(.joined(room: room.name, members: members), to: session)
                    for entry in history {
                        entry.text.withUnsafeBytes { text in
                            reply(.history(room: room.name, millis: entry.millis, from: entry.from, text: text), to: session)
                        }
                    }
                    for entry in recent {
                        entry.text.withUnsafeBytes { reply(.say(room: room.name, from: entry.from, text: $0), to: session) }
                    }
                case .roomsFull: detail.withUnsafeBytes { sendError(.roomsFull, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    private func who(for session: Session, in given: UnsafeRawBufferPointer, cluster: any ChatCluster) {
        guard let roomName = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard available(cluster, for: session) else { return }
        let detail = Array(given)
        awaitAnswer(session)
        cluster.members(of: roomName) { [self] outcome in
            answer(session) {
                switch outcome {
                case .members(let room, let names): reply(.who(room: room, members: names), to: session)
                case .noSuchRoom: detail.withUnsafeBytes { sendError(.noSuchRoom, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    private func nick(_ session: Session, to given: UnsafeRawBufferPointer, in cluster: any ChatCluster) {
        guard let name = ChatName(given), let old = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        if let holder = registry.user(named: name), holder !== session {
            return sendError(.nameTaken, detail: given, to: session)
        }
        if name.withBytes({ new in old.withBytes { new.elementsEqual($0) } }) {
            return reply(.ack(name: name, previous: old), to: session)
        }
        guard available(cluster, for: session) else { return }
        let detail = Array(given)
        awaitAnswer(session)
        cluster.rename(session, from: old, to: name) { [self] outcome in
            // Renamed for a session that has gone meanwhile: its `gone` named the old name.
            if session.isClosed, case .done = outcome { cluster.gone(name, text: nil, voluntary: false, notify: true, emptied: []) }
            answer(session) {
                switch outcome {
                case .done:
                    registry.rename(session, to: name)
                    reply(.ack(name: name, previous: old), to: session)
                case .refused: detail.withUnsafeBytes { sendError(.nameTaken, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }
}
