/// Users by case-folded name and rooms by case-folded name, with their members.
///
/// One registry belongs to one event loop and is touched only on its thread, so
/// it takes no locks. All delivery to other sessions goes through the
/// `deliver`/`broadcast` methods below, the narrow interface a registry shared
/// across loops or nodes would replace.
public final class Registry {
    /// How many messages each room keeps.
    public let historyLimit: Int
    private(set) var users: [ChatName: Session] = [:]
    private(set) var rooms: [ChatName: Room] = [:]
    private var noticeGeneration: UInt64 = 0
    /// Lines (or batches of lines) handed to recipients since start, for throughput figures.
    /// Unchecked: bumped once per fan-out, never accessed reentrantly.
    @exclusivity(unchecked) public private(set) var deliveries: UInt64 = 0

    public init(historyLimit: Int) {
        self.historyLimit = historyLimit
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
        session.name = name
        users[name.folded] = session
    }

    /// Changes a registered session's name (or only its spelling).
    func rename(_ session: Session, to name: ChatName) {
        if let old = session.name { users[old.folded] = nil }
        register(session, as: name)
    }

    /// Takes the session out of every room and frees its name.
    func unregister(_ session: Session) {
        while let last = session.memberships.indices.last {
            leave(session.memberships[last].room, session: session, membershipIndex: last)
        }
        if let name = session.name, users[name.folded] === session { users[name.folded] = nil }
        session.name = nil
    }

    // MARK: Rooms

    /// Adds the session to the room called `name`, creating it if needed.
    func join(_ session: Session, roomNamed name: ChatName) -> Room {
        let key = name.folded
        let room: Room
        if let existing = rooms[key] {
            room = existing
        } else {
            room = Room(name: name, historyLimit: historyLimit)
            rooms[key] = room
        }
        room.add(session)
        return room
    }

    /// Removes the session from the room; the room goes, with its history, when it empties.
    func leave(_ room: Room, session: Session, membershipIndex: Int) {
        room.remove(session, membershipIndex: membershipIndex)
        if room.members.isEmpty { rooms[room.name.folded] = nil }
    }

    // MARK: Delivery

    /// Sends lines to one session.
    @inline(__always)
    public func deliver(_ lines: UnsafeRawBufferPointer, to session: Session) {
        deliveries &+= 1
        session.send(lines)
    }

    /// Sends the same bytes to every member of `room` but `sender`.
    public func broadcast(_ lines: UnsafeRawBufferPointer, in room: Room, except sender: Session) {
        // The room holds every member for the whole loop, so each is borrowed, as an
        // Unmanaged of the same layout, without a retain/release pair: those pairs
        // were the largest cost of a fan-out (about 15% of server time at 100 members).
        let skip = Unmanaged.passUnretained(sender).toOpaque()
        deliveries &+= UInt64(room.members.count - 1)
        room.members.withUnsafeBufferPointer { members in
            members.withMemoryRebound(to: Unmanaged<Session>.self) { borrowed in
                for member in borrowed where member.toOpaque() != skip {
                    member._withUnsafeGuaranteedRef { $0.send(lines) }
                }
            }
        }
    }

    /// Sends the same bytes once to every other member of every room `session` is in.
    public func broadcastToRoomMates(of session: Session, _ lines: UnsafeRawBufferPointer) {
        noticeGeneration &+= 1
        let generation = noticeGeneration
        session.noticeStamp = generation
        for membership in session.memberships {
            for member in membership.room.members where member.noticeStamp != generation {
                member.noticeStamp = generation
                deliveries &+= 1
                member.send(lines)
            }
        }
    }
}
