/// Users by case-folded name and rooms by case-folded name, with their members.
///
/// One registry belongs to one event loop and is touched only on its thread, so
/// it takes no locks. All delivery goes through the `deliver`/`broadcast`/`send(_:to:)`
/// methods below, which take typed events and write each in the recipient's format: the
/// narrow interface a registry shared across loops or nodes would replace. A room's
/// fan-outs of one loop pass may wait in the pass batch (`Registry+PassBatch.swift`)
/// until the transport calls ``endPass()``.
public final class Registry {
    /// How many messages a plain join replays (`--history`).
    public let historyLimit: Int
    /// How many messages each room keeps: at least the history, and what a resume may replay.
    public let recordLimit: Int
    private(set) var users: [ChatName: Session] = [:]
    private(set) var rooms: [ChatName: Room] = [:]
    private var noticeGeneration: UInt64 = 0
    /// Lines (or batches of lines) handed to recipients since start, for throughput figures.
    /// Unchecked: bumped once per fan-out, never accessed reentrantly.
    @exclusivity(unchecked) public internal(set) var deliveries: UInt64 = 0

    /// The formats sessions' lines are written in, by ``FormatID``; the first is protocol v1.
    public let formats: [any EventFormat]
    // The formatting buffers below are unchecked for exclusivity: a delivery only appends
    // bytes to its recipients' output, so no fan-out or delivery ever starts inside another,
    // and their dynamic checks were about 7% of server time on the 100-user fan-out.

    /// Where v1 lines of a fan-out are written, apart from `scratch` because the
    /// fan-out reads them while it writes other formats.
    @exclusivity(unchecked) private var v1Line = LineBuilder()
    /// One reused buffer per format.
    @exclusivity(unchecked) private var scratch: [LineBuilder]
    /// For each format, the fan-out whose event `scratch` holds.
    @exclusivity(unchecked) private var scratchGeneration: [UInt64]
    private var formatGeneration: UInt64 = 0

    // The pass batch: Registry+PassBatch.swift.
    /// Called whenever a batch opens (more than once in a pass where rooms take turns): the
    /// transport then calls ``endPass()`` once the pass's callbacks are done. Nil (the
    /// default): room fan-outs are written to each member at once, line by line.
    public var onPassBatchOpened: (() -> Void)?
    /// The room whose fan-outs `batchLines` gathers; nil when no batch is open.
    var batchRoom: Room?
    /// The open batch's lines, in protocol v1. Unchecked like the buffers above.
    @exclusivity(unchecked) var batchLines = LineBuilder(capacity: Registry.passBatchLimit)

    /// Each format's version 2 twin (`hello,2`): v1 lines' is v2 lines'; a transport adds its own.
    /// The loop thread this registry, its sessions and rooms belong to (checked in debug builds).
    var loopBinding = LoopBinding()

    public var version2Formats: [FormatID: FormatID] = [.v1: .v2]
    /// By format: whether its clients hear their own room messages back (protocol v2).
    private let echoes: [Bool]

    /// - Parameter otherFormats: the formats after protocol v1 and v2, ``FormatID`` 2 onwards.
    public init(historyLimit: Int, recordLimit: Int? = nil, otherFormats: [any EventFormat] = []) {
        self.historyLimit = historyLimit
        self.recordLimit = max(historyLimit, recordLimit ?? historyLimit)
        formats = [V1Format(), V2Format()] + otherFormats
        echoes = formats.map { $0.protocolVersion >= 2 }
        scratch = formats.map { _ in LineBuilder() }
        scratchGeneration = formats.map { _ in 0 }
    }

    /// The number of registered users.
    public var userCount: Int { users.count }
    /// The number of rooms with at least one member.
    public var roomCount: Int { rooms.count }

    /// The session registered under `name`, compared case-insensitively.
    public func user(named name: ChatName) -> Session? { users[name.folded] }
    /// The room called `name`, compared case-insensitively.
    public func room(named name: ChatName) -> Room? { rooms[name.folded] }

    /// Every registered name, in no particular order.
    public var userNames: some Sequence<ChatName> { users.values.lazy.compactMap(\.name) }
    /// Every room's name, in no particular order.
    public var roomNames: some Sequence<ChatName> { rooms.values.lazy.map(\.name) }

    // MARK: Names

    /// Gives `session` the name; the caller has checked that it is free.
    func register(_ session: Session, as name: ChatName) {
        loopBinding.check()
        session.name = name
        users[name.folded] = session
        session.registered()
    }

    /// Changes a registered session's name (or only its spelling).
    func rename(_ session: Session, to name: ChatName) {
        if let old = session.name { users[old.folded] = nil }
        register(session, as: name)
    }

    /// Takes the session out of every room and frees its name.
    func unregister(_ session: Session) {
        loopBinding.check()
        while let last = session.memberships.indices.last {
            leave(session.memberships[last].room, session: session, membershipIndex: last)
        }
        if let name = session.name, users[name.folded] === session { users[name.folded] = nil }
        session.name = nil
    }

    /// Whether the session speaks protocol v2.
    public func speaksVersion2(_ session: Session) -> Bool { echoes[session.format.index] }

    /// `hello,2`: the session's lines are written in its format's version 2 twin from now on;
    /// false when its format has none (a classic dialect's).
    func switchToVersion2(_ session: Session) -> Bool {
        loopBinding.check()
        guard !speaksVersion2(session) else { return true }
        guard let twin = version2Formats[session.format] else { return false }
        // What the pass batch owes the session was written in its old format.
        settlePassBatch()
        for membership in session.memberships { membership.room.memberSwitched(from: session.format, to: twin) }
        session.format = twin
        return true
    }

    // MARK: Rooms

    /// Adds the session to the room called `name`, creating it if needed with its record's
    /// `epoch` and `lastID`, and its latest messages (`history`, oldest first) in its ring.
    func join(_ session: Session, roomNamed name: ChatName, epoch: RoomEpoch, lastID: Int64 = 0,
              history: [History.Entry] = []) -> Room {
        loopBinding.check()
        let key = name.folded
        let room: Room
        if let existing = rooms[key] {
            room = existing
        } else {
            room = Room(name: name, historyLimit: recordLimit, epoch: epoch)
            room.lastID = lastID
            for entry in history {
                entry.text.withUnsafeBytes { room.history.append(id: entry.id, millis: entry.millis, from: entry.from, text: $0) }
            }
            rooms[key] = room
        }
        room.add(session)
        if room === batchRoom { session.batchCursor = batchLines.count }  // nothing said before it joined
        return room
    }

    /// Removes the session from the room; the room goes, with its history, when it empties.
    func leave(_ room: Room, session: Session, membershipIndex: Int) {
        if room === batchRoom { leaveBatch(session) }
        room.remove(session, membershipIndex: membershipIndex)
        if room.members.isEmpty { rooms[room.name.folded] = nil }
    }

    // MARK: Delivery

    /// Writes `event` in `format`'s words and calls `body` with the bytes (empty when that
    /// format has no words for it): for lines a transport writes outside a delivery.
    public func withLines<Result>(of event: ChatEvent, in format: FormatID,
                                  _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let index = format.index
        scratch[index].reset()
        if index == 0 { V1Format.write(event, into: &scratch[0]) } else { formats[index].write(event, into: &scratch[index]) }
        return scratch[index].withBytes(body)
    }

    /// Sends an event to one session, in its format.
    @inline(__always)
    public func deliver(_ event: ChatEvent, to session: Session) {
        loopBinding.check()
        withLines(of: event, in: session.format) { lines in
            guard !lines.isEmpty else { return }
            deliveries &+= 1
            send(lines, to: session)
        }
    }

    /// Sends bytes already in the session's format, after the lines of the open pass batch
    /// that it is still due.
    public func send(_ lines: UnsafeRawBufferPointer, to session: Session) {
        if let batchRoom, session.memberships.contains(where: { $0.room === batchRoom }) { catchUp(session) }
        session.send(lines)
    }

    /// Sends an event to every member of `room` but `sender`, formatted once per format:
    /// gathered in the pass batch where the transport batches and every member reads v1.
    /// A protocol v2 sender of a room message hears it back, with its id.
    public func broadcast(_ event: ChatEvent, in room: Room, except sender: Session?) {
        loopBinding.check()
        var sender = sender
        if let echoed = sender, echoes[echoed.format.index], case .say = event { sender = nil }
        if room.otherFormatMembers == 0 && onPassBatchOpened != nil { return gather(event, in: room, except: sender) }
        settlePassBatch()
        v1Line.reset()
        V1Format.write(event, into: &v1Line)
        // The room holds every member for the whole loop, so each is borrowed, as an
        // Unmanaged of the same layout, without a retain/release pair: those pairs
        // were the largest cost of a fan-out (about 15% of server time at 100 members).
        let skip = sender.map { UnsafeMutableRawPointer(Unmanaged.passUnretained($0).toOpaque()) }
        v1Line.withBytes { v1 in
            room.members.withUnsafeBufferPointer { members in
                members.withMemoryRebound(to: Unmanaged<Session>.self) { borrowed in
                    guard room.otherFormatMembers > 0 else {
                        deliveries &+= UInt64(room.members.count - (skip == nil ? 0 : 1))
                        for member in borrowed where member.toOpaque() != skip {
                            member._withUnsafeGuaranteedRef { $0.send(v1) }
                        }
                        return
                    }
                    let generation = nextFormatGeneration()
                    for member in borrowed where member.toOpaque() != skip {
                        member._withUnsafeGuaranteedRef { send(event, v1: v1, generation: generation, to: $0) }
                    }
                }
            }
        }
    }

    /// Sends an event once to every other member of every room `session` is in.
    public func broadcastToRoomMates(of session: Session, _ event: ChatEvent) {
        settlePassBatch()
        v1Line.reset()
        V1Format.write(event, into: &v1Line)
        noticeGeneration &+= 1
        let generation = noticeGeneration
        let formatGeneration = nextFormatGeneration()
        session.noticeStamp = generation
        v1Line.withBytes { v1 in
            for membership in session.memberships {
                for member in membership.room.members where member.noticeStamp != generation {
                    member.noticeStamp = generation
                    send(event, v1: v1, generation: formatGeneration, to: member)
                }
            }
        }
    }

    /// Sends an event once to every member of any of `rooms` but `sender`: a notice from
    /// the cluster about a user this node may not hold.
    public func broadcast(_ event: ChatEvent, toMembersOf rooms: [Room], except sender: Session?) {
        settlePassBatch()
        v1Line.reset()
        V1Format.write(event, into: &v1Line)
        noticeGeneration &+= 1
        let generation = noticeGeneration
        let formatGeneration = nextFormatGeneration()
        sender?.noticeStamp = generation
        v1Line.withBytes { v1 in
            for room in rooms {
                for member in room.members where member.noticeStamp != generation {
                    member.noticeStamp = generation
                    send(event, v1: v1, generation: formatGeneration, to: member)
                }
            }
        }
    }

    /// Every registered session.
    public var sessions: some Sequence<Session> { users.values }

    /// One recipient of a fan-out: v1 bytes as they are, any other format written the
    /// first time this fan-out (`generation`) meets it.
    @inline(__always)
    private func send(_ event: ChatEvent, v1: UnsafeRawBufferPointer, generation: UInt64, to member: Session) {
        let index = member.format.index
        if index == 0 {
            deliveries &+= 1
            return member.send(v1)
        }
        if scratchGeneration[index] != generation {
            scratchGeneration[index] = generation
            scratch[index].reset()
            formats[index].write(event, into: &scratch[index])
        }
        scratch[index].withBytes { lines in
            guard !lines.isEmpty else { return }
            deliveries &+= 1
            member.send(lines)
        }
    }

    private func nextFormatGeneration() -> UInt64 {
        formatGeneration &+= 1
        return formatGeneration
    }
}
