// libFuzzer target: arbitrary bytes through the line framer and the command
// dispatcher of ChatCore, against one in-memory registry shared by several
// simulated connections, checking the registry's invariants after every input.
//
// Compiled together with Sources/ChatCore as one module (see Fuzz/run), so it
// sees the registry's internals. Input format, repeated until the bytes run out:
//   one op byte: low 2 bits pick the connection; 0xF_ disconnects it, 0xE_ sends
//   its pending partial line as at EOF, else the next (op >> 2) & 0x3F bytes arrive
//   on it (0 meaning "the rest of the input").

final class FuzzSession: Session {
    /// The server's own line reader, on an in-memory source.
    var reader: LineReader
    var pending = ByteQueue()
    var closeRequested = false
    unowned let dispatcher: Dispatcher

    init(dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
        self.reader = LineReader(maxLine: dispatcher.maxLine)
    }

    override func send(_ lines: UnsafeRawBufferPointer) {
        precondition(lines.last == UInt8(ascii: "\n"), "a send must end with LF")
        precondition(!isClosed || lines.starts(with: "bye,".utf8), "a closed session got a line")
    }

    override func closeAfterFlush() { closeRequested = true }

    /// Bytes arrive: complete lines go to the dispatcher, a long partial line is discarded.
    func receive(_ bytes: ArraySlice<UInt8>) {
        guard !closeRequested else { return }
        pending.append(bytes)
        reader.read(from: &pending) { event, _ in handle(event) }
        precondition(closeRequested || pending.count <= dispatcher.maxLine + 1, "a partial line is bounded by the limit")
    }

    func endOfInput() {
        if !closeRequested { reader.finishLine(from: &pending) { event, _ in handle(event) } }
        dispatcher.disconnect(self)
    }

    private func handle(_ event: LineReader.Event) -> LineReader.Next {
        switch event {
        case .line(let line): dispatcher.handle(line: line, from: self)
        case .tooLong: dispatcher.rejectLongLine(from: self)
        case .endOfLongLine: break
        }
        return closeRequested ? .stop : .more
    }
}

func checkInvariants(_ registry: Registry, _ sessions: [FuzzSession]) {
    for (key, session) in registry.users {
        precondition(!session.isClosed, "a closed session keeps its name")
        precondition(session.name?.folded == key, "a user is filed under its folded name")
    }
    for session in sessions {
        if let name = session.name { precondition(registry.users[name.folded] === session, "a named session is registered") }
        if session.isClosed { precondition(session.memberships.isEmpty && session.name == nil, "a closed session holds nothing") }
        for membership in session.memberships {
            precondition(membership.room.members[membership.index] === session, "membership index is right")
            precondition(registry.rooms[membership.room.name.folded] === membership.room, "a member's room is registered")
        }
        precondition(Set(session.memberships.map { ObjectIdentifier($0.room) }).count == session.memberships.count,
                     "at most one membership per room")
    }
    precondition(registry.rooms.count <= 4, "the room cap holds")
    for session in sessions { precondition(session.memberships.count <= 3, "the per-user room cap holds") }
    for (key, room) in registry.rooms {
        precondition(room.name.folded == key && !room.members.isEmpty, "rooms are filed by folded name and never empty")
        precondition(room.history.count <= registry.historyLimit, "history is bounded")
        for (index, member) in room.members.enumerated() {
            precondition(member.memberships.contains { $0.room === room && $0.index == index }, "members know their room")
            precondition(member.name != nil && !member.isClosed, "members are registered and open")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let registry = Registry(historyLimit: 3)
    var clock: Int64 = 0
    var limits = ChatLimits()
    limits.maxRoomsPerUser = 3
    limits.maxRooms = 4
    limits.rateLimit = 200  // the fake clock below moves 1 ms a line: tokens run out and come back
    limits.rateBurst = 8
    let dispatcher = Dispatcher(registry: registry, maxLine: 48, limits: limits,
                                clock: { clock += 1; return clock }, monotonicClock: { Double(clock) / 1000 })
    var sessions = (0..<4).map { _ in FuzzSession(dispatcher: dispatcher) }
    var offset = 0
    while offset < input.count {
        let op = input[offset]
        offset += 1
        let index = Int(op & 3)
        switch op >> 4 {
        case 0xF:
            sessions[index].endOfInput()
            sessions[index] = FuzzSession(dispatcher: dispatcher)
        case 0xE:
            sessions[index].endOfInput()
        default:
            let wanted = Int(op >> 2) & 0x3F
            let end = wanted == 0 ? input.count : min(input.count, offset + wanted)
            sessions[index].receive(input[offset..<end])
            offset = end
        }
        checkInvariants(registry, sessions)
    }
    sessions.forEach { $0.endOfInput() }
    checkInvariants(registry, sessions)
    precondition(registry.users.isEmpty && registry.rooms.isEmpty, "everything is freed when every connection ends")
    return 0
}
