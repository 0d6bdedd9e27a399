extension Dispatcher {
    /// The text of `help`: the twelve verbs.
    static let helpLine: StaticString = "help,register list chat join say leave rooms who nick quit ping help\n"

    func execute(_ command: Command, from session: Session) {
        switch command {
        case .register(let name): register(session, as: name)
        case .list: list(for: session)
        case .chat(let to, let text): chat(from: session, to: to, text: text)
        case .join(let room): join(session, room: room)
        case .say(let room, let text): say(from: session, in: room, text: text)
        case .leave(let room): leave(session, room: room)
        case .rooms: rooms(for: session)
        case .who(let room): who(for: session, in: room)
        case .nick(let name): nick(session, to: name)
        case .quit(let text): quit(session, text: text)
        case .ping(let token): ping(session, token: token)
        case .help:
            let help = Self.helpLine
            registry.deliver(UnsafeRawBufferPointer(start: help.utf8Start, count: help.utf8CodeUnitCount), to: session)
        }
    }

    private func register(_ session: Session, as given: UnsafeRawBufferPointer) {
        if let current = session.name {
            return current.withBytes { sendError(.alreadyRegistered, detail: $0, to: session) }
        }
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard registry.user(named: name) == nil else { return sendError(.nameTaken, detail: given, to: session) }
        registry.register(session, as: name)
        reply(to: session) { $0.append("ack,"); $0.append(name) }
    }

    private func list(for session: Session) {
        reply(to: session) { line in
            line.append("list")
            for name in registry.userNames {
                line.appendComma()
                line.append(name)
            }
        }
    }

    private func chat(from session: Session, to given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?) {
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let recipient = registry.user(named: name), let from = session.name else {
            return sendError(.noSuchUser, detail: given, to: session)
        }
        out.reset()
        out.append("chat,")
        out.append(from)
        out.appendComma()
        if let text { out.append(text) } else { out.append("hi") }
        out.appendNewline()
        out.withBytes { registry.deliver($0, to: recipient) }
    }

    private func join(_ session: Session, room given: UnsafeRawBufferPointer) {
        guard let roomName = ChatName(given), let name = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        let existing = registry.room(named: roomName)
        if let existing, session.membershipIndex(of: existing) != nil {
            return sendError(.alreadyInRoom, detail: given, to: session)
        }
        if let limit = limits.maxRoomsPerUser, session.roomCount >= limit {
            return sendError(.tooManyRooms, detail: given, to: session)
        }
        if existing == nil, let limit = limits.maxRooms, registry.roomCount >= limit {
            return sendError(.roomsFull, detail: given, to: session)
        }
        let room = registry.join(session, roomNamed: roomName)
        out.reset()
        out.append("joined,")
        out.append(room.name)
        out.appendComma()
        out.append(decimal: Int64(room.members.count))
        out.appendNewline()
        for position in 0..<room.history.count {
            let entry = room.history[position]
            out.append("history,")
            out.append(room.name)
            out.appendComma()
            out.append(decimal: entry.millis)
            out.appendComma()
            out.append(entry.from)
            out.appendComma()
            entry.text.withUnsafeBytes { out.append($0) }
            out.appendNewline()
        }
        out.withBytes { registry.deliver($0, to: session) }
        broadcastMembership("join,", room: room, name: name, except: session)
    }

    private func say(from session: Session, in given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer) {
        guard let (room, _) = membership(of: session, in: given), let from = session.name else { return }
        out.reset()
        out.append("say,")
        out.append(room.name)
        out.appendComma()
        out.append(from)
        out.appendComma()
        out.append(text)
        out.appendNewline()
        out.withBytes { registry.broadcast($0, in: room, except: session) }
        room.history.append(millis: clock(), from: from, text: text)
    }

    private func leave(_ session: Session, room given: UnsafeRawBufferPointer) {
        guard let (room, index) = membership(of: session, in: given), let name = session.name else { return }
        reply(to: session) { $0.append("left,"); $0.append(room.name) }
        broadcastMembership("leave,", room: room, name: name, except: session)
        registry.leave(room, session: session, membershipIndex: index)
    }

    private func rooms(for session: Session) {
        reply(to: session) { line in
            line.append("rooms")
            for name in registry.roomNames {
                line.appendComma()
                line.append(name)
            }
        }
    }

    private func who(for session: Session, in given: UnsafeRawBufferPointer) {
        guard let roomName = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let room = registry.room(named: roomName) else { return sendError(.noSuchRoom, detail: given, to: session) }
        reply(to: session) { line in
            line.append("who,")
            line.append(room.name)
            for member in room.members {
                guard let name = member.name else { continue }
                line.appendComma()
                line.append(name)
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
        if name != old {
            out.reset()
            out.append("nick,")
            out.append(old)
            out.appendComma()
            out.append(name)
            out.appendNewline()
            out.withBytes { registry.broadcastToRoomMates(of: session, $0) }
            registry.rename(session, to: name)
        }
        reply(to: session) { $0.append("ack,"); $0.append(name) }
    }

    private func quit(_ session: Session, text: UnsafeRawBufferPointer?) {
        if let name = session.name {
            if session.roomCount > 0 {
                out.reset()
                out.append("quit,")
                out.append(name)
                out.appendComma()
                if let text { out.append(text) }
                out.appendNewline()
                out.withBytes { registry.broadcastToRoomMates(of: session, $0) }
            }
            registry.unregister(session)
        }
        session.isClosed = true
        ByeReason.quit.line.withUnsafeBytes { registry.deliver($0, to: session) }
        session.closeAfterFlush()
    }

    private func ping(_ session: Session, token: UnsafeRawBufferPointer?) {
        reply(to: session) { line in
            line.append("pong")
            if let token {
                line.appendComma()
                line.append(token)
            }
        }
    }

    // MARK: Helpers

    /// Formats one line (the newline is added here) and sends it to `session`.
    private func reply(to session: Session, _ format: (inout LineBuilder) -> Void) {
        out.reset()
        format(&out)
        out.appendNewline()
        out.withBytes { registry.deliver($0, to: session) }
    }

    /// The room called `given` and the session's membership index in it, or nil
    /// after answering `bad-name` or `not-in-room`.
    private func membership(of session: Session, in given: UnsafeRawBufferPointer) -> (Room, Int)? {
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

    /// Sends `<verb><room>,<name>` to every other member of the room.
    private func broadcastMembership(_ verb: StaticString, room: Room, name: ChatName, except session: Session) {
        out.reset()
        out.append(verb)
        out.append(room.name)
        out.appendComma()
        out.append(name)
        out.appendNewline()
        out.withBytes { registry.broadcast($0, in: room, except: session) }
    }
}
