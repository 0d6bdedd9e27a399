/// The world of a server with one loop and no cluster: its ``Registry`` is the whole chat,
/// and every answer comes at once, inside the call.
///
/// What it decides is only what the registry alone knows (is a name held, does a room exist,
/// how many rooms there are); every check of a command's arguments and of the asking session
/// is the dispatcher's, made once for every world.
public final class LocalWorld: ChatWorld {
    let registry: Registry
    let limits: ChatLimits

    public init(registry: Registry, limits: ChatLimits) {
        self.registry = registry
        self.limits = limits
    }

    public var isAvailable: Bool { true }

    public func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void) {
        done(registry.user(named: name) == nil ? .done : .refused)
    }

    public func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void) {
        if let holder = registry.user(named: new), holder !== session { return done(.refused) }
        registry.broadcastToRoomMates(of: session, .nick(old: old, new: new))
        done(.done)
    }

    public func userNames(then done: @escaping ([ChatName]?) -> Void) {
        done(Array(registry.userNames))
    }

    public func roomNames(then done: @escaping ([ChatName]?) -> Void) {
        done(Array(registry.roomNames))
    }

    public func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        guard let room = registry.room(named: room) else { return done(.noSuchRoom) }
        done(.members(room: room.name, names: room.members.compactMap(\.name)))
    }

    public func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
                     then done: @escaping (ClusterReply) -> Void) {
        guard let recipient = registry.user(named: name) else { return done(.refused) }
        registry.deliver(.chat(from: sender, text: text), to: recipient)
        done(.done)
    }

    /// The members there are hear of the joiner before it is added; its answer carries the
    /// room's history as it stands (nothing can have been said meanwhile). A new room's
    /// record gets a new epoch, and its ids start at 1.
    public func join(_ session: Session, as name: ChatName, room: ChatName, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        guard let existing = registry.room(named: room) else {
            if let limit = limits.maxRooms, registry.roomCount >= limit { return done(.roomsFull) }
            return done(.joined(room: room, members: 1, epoch: .random(), lastID: 0, history: [], recent: []))
        }
        registry.broadcast(.memberJoined(room: existing.name, name: name), in: existing, except: nil)
        done(.joined(room: existing.name, members: existing.members.count + 1, epoch: existing.epoch,
                     lastID: existing.lastID, history: existing.history.latest(keep), recent: []))
    }

    public func record(of room: ChatName, keep: Int, then done: @escaping (ClusterRecord) -> Void) {
        guard let found = registry.room(named: room), found.lastID > 0 else { return done(.noSuchRoom) }
        done(.record(room: found.name, epoch: found.epoch, lastID: found.lastID, entries: found.history.latest(keep)))
    }

    /// The room's one sequencer: each message gets the next id.
    public func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64,
                    text: UnsafeRawBufferPointer) -> Bool {
        room.lastID += 1
        registry.broadcast(.say(room: room.name, id: room.lastID, millis: millis, from: sender, text: text), in: room, except: session)
        room.history.append(id: room.lastID, millis: millis, from: sender, text: text)
        return true
    }

    public func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void) {
        if let localRoom { registry.broadcast(.memberLeft(room: localRoom.name, name: name), in: localRoom, except: nil) }
        done()
    }

    /// Every message was written out as it was said.
    public func deliverPending() {}

    public func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room]) {
        guard notify, !rooms.isEmpty else { return }
        registry.broadcast(.quit(name: name, text: text, voluntary: voluntary), toMembersOf: rooms, except: nil)
    }
}
