/// Each command's rules, once, whichever ``ChatWorld`` answers: what the session's own state
/// decides (bad names, memberships, the per-user room limit) is decided here at once; what
/// only the world knows is asked of it, and the session's further lines wait until it answers
/// (at once for a ``LocalWorld``, later for a node of a cluster).
///
/// Byte arguments point into the line being handled, so whatever an answer needs later (a
/// name, an error's detail) is copied before the world is asked.
extension Dispatcher {
    func execute(_ command: Command, from session: Session) {
        switch command {
        case .register(let name): register(session, as: name)
        case .list:
            guard available(for: session) else { return }
            awaitAnswer(session)
            world.userNames { [self] names in
                answer(session) {
                    if let names { reply(.userList(names), to: session) } else { sendError(.unavailable, to: session) }
                }
            }
        case .rooms:
            guard available(for: session) else { return }
            awaitAnswer(session)
            world.roomNames { [self] names in
                answer(session) {
                    if let names { reply(.roomList(names), to: session) } else { sendError(.unavailable, to: session) }
                }
            }
        case .chat(let to, let text): chat(from: session, to: to, text: text)
        case .join(let room, let resume):
            join(session, room: room, replay: resume.map { .resume(epoch: $0.epoch, after: $0.after) } ?? .latest(registry.historyLimit))
        case .history(let room, let query): history(of: room, query, for: session)
        case .say(let room, let text):
            guard let (room, _) = membership(of: session, in: room), let from = session.name else { return }
            guard world.say(in: room, from: session, as: from, millis: clock(), text: text) else {
                return sendError(.unavailable, to: session)
            }
        case .leave(let given):
            // The local room lets go at once; `left` waits until the world has let go too,
            // so that what the user does next sees the room without it.
            guard let (room, index) = membership(of: session, in: given), let name = session.name else { return }
            let spelling = room.name
            // What the world still holds for the room's members (its own message back, others'
            // messages numbered before the leave) reaches the leaver while it is one.
            world.deliverPending()
            registry.leave(room, session: session, membershipIndex: index)
            awaitAnswer(session)
            world.leave(name, room: spelling, localRoom: registry.room(named: spelling)) { [self] in
                answer(session) { reply(.left(room: spelling), to: session) }
            }
        case .who(let room): who(for: session, in: room)
        case .nick(let name): nick(session, to: name)
        case .quit(let text):
            // Its bye is the last line: it waits for the replies still held for earlier chats.
            if answerQueues[ObjectIdentifier(session)]?.heldReplies != nil {
                var line = Array("quit".utf8)
                if let text { line += [UInt8(ascii: ",")] + Array(text) }
                session.isAwaiting = true
                answerQueues[ObjectIdentifier(session), default: AnswerQueue()].quitWaitsForReplies = true
                answerQueues[ObjectIdentifier(session)]?.backlog.insert(.line(line), at: 0)
                return
            }
            quit(session, text: text)
        case .ping(let token): reply(.pong(token: token), to: session)
        case .help: reply(.help, to: session)
        case .hello(let version):
            // Once version 2, always: a later `hello,1` is answered `hello,2`.
            let speaks = version >= 2 && registry.switchToVersion2(session) ? 2 : registry.speaksVersion2(session) ? 2 : 1
            reply(.hello(version: speaks), to: session)
        }
    }

    func quit(_ session: Session, text: UnsafeRawBufferPointer?) {
        if let name = session.name { leaveWorld(session, name: name, text: text, voluntary: true) }
        session.isClosed = true
        registry.deliver(.bye(.quit), to: session)
        session.closeAfterFlush()
    }

    /// Frees the session's name and memberships, locally at once and in the world, which
    /// tells the rooms' members `quit` (unless `notify` is false: the process is stopping).
    func leaveWorld(_ session: Session, name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool = true) {
        world.deliverPending()
        let rooms = session.rooms
        registry.unregister(session)
        world.gone(name, text: text, voluntary: voluntary, notify: notify, rooms: rooms)
    }

    // MARK: Commands

    private func register(_ session: Session, as given: UnsafeRawBufferPointer) {
        if let current = session.name {
            return current.withBytes { sendError(.alreadyRegistered, detail: $0, to: session) }
        }
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard registry.user(named: name) == nil else { return sendError(.nameTaken, detail: given, to: session) }
        guard available(for: session) else { return }
        awaitAnswer(session)
        world.claim(name, for: session) { [self] outcome in named(session, name, previous: nil, outcome) }
    }

    /// A chat does not hold the session's later lines (a client may pipeline thousands): when
    /// the world cannot answer at once, it takes a place among the session's replies, and
    /// replies made after it wait behind it until the world says whether the recipient exists.
    private func chat(from session: Session, to given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?) {
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let from = session.name else { return sendError(.noSuchUser, detail: given, to: session) }
        guard available(for: session) else { return }
        chatsAsked &+= 1
        let ticket = chatsAsked
        // An answer inside the call (a local world, a node that cannot even queue it) is given
        // in its place at once; a later one fills the place the chat holds among the replies.
        let outer = askingChat
        askingChat = ticket
        world.chat(from: from, to: name, text: text) { [self] outcome in
            if askingChat == ticket { return answeredAtOnce = outcome }
            chatAnswered(ticket, outcome, to: name, for: session)
        }
        askingChat = outer
        if let outcome = answeredAtOnce {
            answeredAtOnce = nil
            switch outcome {
            case .done: return
            case .refused: return sendError(.noSuchUser, detail: given, to: session)
            case .unavailable: return sendError(.unavailable, to: session)
            }
        }
        let key = ObjectIdentifier(session)
        var queue = answerQueues.removeValue(forKey: key) ?? AnswerQueue()
        if queue.heldReplies == nil { queue.heldReplies = HeldReplies() }
        queue.heldReplies!.hold(ticket)
        answerQueues[key] = queue
    }

    /// The world's later answer to the chat `ticket`: its place among the held replies is
    /// filled (with its error, or nothing) and what can go out goes.
    private func chatAnswered(_ ticket: UInt64, _ outcome: ClusterReply, to name: ChatName, for session: Session) {
        let key = ObjectIdentifier(session)
        guard !session.isClosed, answerQueues[key]?.heldReplies != nil else { return }
        var error: [UInt8]?
        switch outcome {
        case .done: break
        case .refused:
            errors[.noSuchUser, default: 0] += 1
            error = name.withBytes { detail in
                registry.withLines(of: .error(.noSuchUser, detail: detail), in: session.format) { Array($0) }
            }
        case .unavailable:
            errors[.unavailable, default: 0] += 1
            error = registry.withLines(of: .error(.unavailable, detail: nil), in: session.format) { Array($0) }
        }
        for bytes in answerQueues[key]?.heldReplies?.fill(ticket, with: error) ?? [] {
            bytes.withUnsafeBytes { registry.send($0, to: session) }
        }
        guard answerQueues[key]?.heldReplies?.isEmpty == true else { return }
        answerQueues[key]?.heldReplies = nil
        // A quit waited for the replies before its bye.
        if answerQueues[key]?.quitWaitsForReplies == true {
            answerQueues[key]?.quitWaitsForReplies = false
            answer(session) {}
        }
        if answerQueues[key]?.isEmpty == true { answerQueues[key] = nil }
    }

    private func join(_ session: Session, room given: UnsafeRawBufferPointer, replay: Replay) {
        guard let roomName = ChatName(given), let name = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        if let existing = registry.room(named: roomName), session.membershipIndex(of: existing) != nil {
            return sendError(.alreadyInRoom, detail: given, to: session)
        }
        if let limit = limits.maxRoomsPerUser, session.roomCount >= limit {
            return sendError(.tooManyRooms, detail: given, to: session)
        }
        guard available(for: session) else { return }
        awaitAnswer(session)
        let resumeMax = limits.resumeMax
        let keep = replay.latestNeeded(resumeMax: resumeMax, recordLimit: registry.recordLimit)
        world.join(session, as: name, room: roomName, replay: replay, keep: keep) { [self] outcome in
            answer(session) {
                switch outcome {
                case .joined(let spelling, let members, let epoch, let lastID, let history, let recent):
                    let room = registry.join(session, roomNamed: spelling, epoch: epoch, lastID: lastID, history: history)
                    reply(.joined(room: room.name, members: members, epoch: epoch, lastID: lastID), to: session)
                    guard registry.speaksVersion2(session) else {
                        // Version 1: the history as `history` lines, what came meanwhile as `say`.
                        for entry in history { send(entry, as: .history, in: room.name, to: session) }
                        for entry in recent { send(entry, as: .say, in: room.name, to: session) }
                        return
                    }
                    let (entries, complete) = replay.select(from: history + recent, epoch: epoch, lastID: lastID, resumeMax: resumeMax)
                    for entry in entries { send(entry, as: .history, in: room.name, to: session) }
                    reply(.replayed(room: room.name, count: entries.count, complete: complete), to: session)
                case .roomsFull: roomName.withBytes { sendError(.roomsFull, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    /// `history,<room>,...` (protocol v2): needs no membership, as `who`.
    private func history(of given: UnsafeRawBufferPointer, _ query: Replay, for session: Session) {
        guard let roomName = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard available(for: session) else { return }
        awaitAnswer(session)
        let resumeMax = limits.resumeMax
        let keep = query.latestNeeded(resumeMax: resumeMax, recordLimit: registry.recordLimit)
        world.record(of: roomName, keep: keep, query: query) { [self] outcome in
            answer(session) {
                switch outcome {
                case .record(let room, let epoch, let lastID, let kept):
                    let (entries, complete) = query.select(from: kept, epoch: epoch, lastID: lastID, resumeMax: resumeMax)
                    for entry in entries { send(entry, as: .history, in: room, to: session) }
                    reply(.replayed(room: room, count: entries.count, complete: complete), to: session)
                case .noSuchRoom: roomName.withBytes { sendError(.noSuchRoom, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    private enum ReplayedAs { case history, say }

    /// One kept message to `session`: version 1 writes a `history` line, or a `say` for one
    /// said while its join was on the way; version 2 a `msg` line either way.
    private func send(_ entry: History.Entry, as kind: ReplayedAs, in room: ChatName, to session: Session) {
        entry.text.withUnsafeBytes { text in
            switch kind {
            case .history: reply(.history(room: room, id: entry.id, millis: entry.millis, from: entry.from, text: text), to: session)
            case .say: reply(.say(room: room, id: entry.id, millis: entry.millis, from: entry.from, text: text), to: session)
            }
        }
    }

    private func who(for session: Session, in given: UnsafeRawBufferPointer) {
        guard let roomName = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard available(for: session) else { return }
        awaitAnswer(session)
        world.members(of: roomName) { [self] outcome in
            answer(session) {
                switch outcome {
                case .members(let room, let names): reply(.who(room: room, members: names), to: session)
                case .noSuchRoom: roomName.withBytes { sendError(.noSuchRoom, detail: $0, to: session) }
                case .unavailable: sendError(.unavailable, to: session)
                }
            }
        }
    }

    private func nick(_ session: Session, to given: UnsafeRawBufferPointer) {
        guard let name = ChatName(given), let old = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        if let holder = registry.user(named: name), holder !== session {
            return sendError(.nameTaken, detail: given, to: session)
        }
        if name == old { return reply(.ack(name: name, previous: old), to: session) }
        guard available(for: session) else { return }
        awaitAnswer(session)
        world.rename(session, from: old, to: name) { [self] outcome in named(session, name, previous: old, outcome) }
    }

    /// The world's answer to a claim of `name` (`register`; `nick` from `previous`).
    private func named(_ session: Session, _ name: ChatName, previous: ChatName?, _ outcome: ClusterReply) {
        // Claimed for a session that has gone meanwhile: the claim goes too (a renamed one's
        // `gone` named the old name).
        if session.isClosed, case .done = outcome { world.gone(name, text: nil, voluntary: false, notify: true, rooms: []) }
        answer(session) {
            switch outcome {
            case .done:
                if previous == nil { registry.register(session, as: name) } else { registry.rename(session, to: name) }
                reply(.ack(name: name, previous: previous), to: session)
            case .refused: name.withBytes { sendError(.nameTaken, detail: $0, to: session) }
            case .unavailable: sendError(.unavailable, to: session)
            }
        }
    }

    // MARK: Helpers

    /// The room called `given` and the session's membership index in it, or nil
    /// after answering `bad-name` or `not-in-room`.
    func membership(of session: Session, in given: UnsafeRawBufferPointer) -> (Room, Int)? {
        guard let roomName = ChatName(given) else {
            sendError(.badName, detail: given, to: session)
            return nil
        }
        guard let room = registry.room(named: roomName), let index = session.membershipIndex(of: room) else {
            sendError(.notInRoom, detail: given, to: session)
            return nil
        }
        return (room, index)
    }
}
