extension Dispatcher {
    func execute(_ command: Command, from session: Session) {
        if let cluster { return execute(command, from: session, in: cluster) }
        switch command {
        case .register(let name): register(session, as: name)
        case .list: registry.deliver(.userList(Array(registry.userNames)), to: session)
        case .chat(let to, let text): chat(from: session, to: to, text: text)
        case .join(let room): join(session, room: room)
        case .say(let room, let text): say(from: session, in: room, text: text)
        case .leave(let room): leave(session, room: room)
        case .rooms: registry.deliver(.roomList(Array(registry.roomNames)), to: session)
        case .who(let room): who(for: session, in: room)
        case .nick(let name): nick(session, to: name)
        case .quit(let text): quit(session, text: text)
        case .ping(let token): registry.deliver(.pong(token: token), to: session)
        case .help: registry.deliver(.help, to: session)
        }
    }

    private func register(_ session: Session, as given: UnsafeRawBufferPointer) {
        if let current = session.name {
            return current.withBytes { sendError(.alreadyRegistered, detail: $0, to: session) }
        }
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard registry.user(named: name) == nil else { return sendError(.nameTaken, detail: given, to: session) }
        registry.register(session, as: name)
        registry.deliver(.ack(name: name, previous: nil), to: session)
    }

    private func chat(from session: Session, to given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?) {
        guard let name = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let recipient = registry.user(named: name), let from = session.name else {
            return sendError(.noSuchUser, detail: given, to: session)
        }
        registry.deliver(.chat(from: from, text: text), to: recipient)
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
        registry.deliver(.joined(room: room.name, members: room.members.count), to: session)
        for position in 0..<room.history.count {
            let entry = room.history[position]
            entry.text.withUnsafeBytes { text in
                registry.deliver(.history(room: room.name, millis: entry.millis, from: entry.from, text: text), to: session)
            }
        }
        registry.broadcast(.memberJoined(room: room.name, name: name), in: room, except: session)
    }

    private func say(from session: Session, in given: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer) {
        guard let (room, _) = membership(of: session, in: given), let from = session.name else { return }
        registry.broadcast(.say(room: room.name, from: from, text: text), in: room, except: session)
        room.history.append(millis: clock(), from: from, text: text)
    }

    private func leave(_ session: Session, room given: UnsafeRawBufferPointer) {
        guard let (room, index) = membership(of: session, in: given), let name = session.name else { return }
        registry.deliver(.left(room: room.name), to: session)
        registry.broadcast(.memberLeft(room: room.name, name: name), in: room, except: session)
        registry.leave(room, session: session, membershipIndex: index)
    }

    private func who(for session: Session, in given: UnsafeRawBufferPointer) {
        guard let roomName = ChatName(given) else { return sendError(.badName, detail: given, to: session) }
        guard let room = registry.room(named: roomName) else { return sendError(.noSuchRoom, detail: given, to: session) }
        registry.deliver(.who(room: room.name, members: room.members.compactMap(\.name)), to: session)
    }

    private func nick(_ session: Session, to given: UnsafeRawBufferPointer) {
        guard let name = ChatName(given), let old = session.name else {
            return sendError(.badName, detail: given, to: session)
        }
        if let holder = registry.user(named: name), holder !== session {
            return sendError(.nameTaken, detail: given, to: session)
        }
        if name != old {
            registry.broadcastToRoomMates(of: session, .nick(old: old, new: name))
            registry.rename(session, to: name)
        }
        registry.deliver(.ack(name: name, previous: old), to: session)
    }

    func quit(_ session: Session, text: UnsafeRawBufferPointer?) {
        if let name = session.name, let cluster {
            leaveCluster(session, name: name, cluster: cluster, text: text, voluntary: true)
        } else if let name = session.name {
            if session.roomCount > 0 {
                registry.broadcastToRoomMates(of: session, .quit(name: name, text: text, voluntary: true))
            }
            registry.unregister(session)
        }
        session.isClosed = true
        registry.deliver(.bye(.quit), to: session)
        session.closeAfterFlush()
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
