/// The world of a server with one loop and no cluster: its ``Registry`` is the whole chat,
/// and every answer comes at once, inside the call.
///
/// What it decides is only what the registry alone knows (is a name held, does a room exist,
/// how many rooms there are); every check of a command's arguments and of the asking session
/// is the dispatcher's, made once for every world.
public final class LocalWorld: ChatWorld {
    let registry: Registry
    let limits: ChatLimits
    /// Where rooms' messages are kept beyond memory; nil with `--store memory`.
    let archive: (any RoomArchive)?

    public init(registry: Registry, limits: ChatLimits, archive: (any RoomArchive)? = nil) {
        self.registry = registry
        self.limits = limits
        self.archive = archive
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

    /// A kept room with no members has none.
    public func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        guard let room = registry.room(named: room) else {
            return done(archive?.room(room.folded).map { .members(room: $0.name, names: []) } ?? .noSuchRoom)
        }
        done(.members(room: room.name, names: room.members.compactMap(\.name)))
    }

    public func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
                     then done: @escaping (ClusterReply) -> Void) {
        guard let recipient = registry.user(named: name) else { return done(.refused) }
        registry.deliver(.chat(from: sender, text: text), to: recipient)
        done(.done)
    }

    /// The members there are hear of the joiner before it is added; its answer carries the
    /// room's history as it stands (nothing can have been said meanwhile). A room the archive
    /// kept goes on with its record; a new room's record gets a new epoch, and its ids start at 1.
    public func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        guard let existing = registry.room(named: room) else {
            if let limit = limits.maxRooms, registry.roomCount >= limit { return done(.roomsFull) }
            if let (kept, history) = KeptRecord.tail(of: room.folded, keep: keep, archive: archive) {
                return done(.joined(room: kept.name, members: 1, epoch: kept.epoch, lastID: kept.lastID, history: history, recent: []))
            }
            return done(.joined(room: room, members: 1, epoch: .random(), lastID: 0, history: [], recent: []))
        }
        registry.broadcast(.memberJoined(room: existing.name, name: name), in: existing, except: nil)
        let held = KeptRecord.Held(name: existing.name, epoch: existing.epoch, lastID: existing.lastID, history: existing.history)
        done(.joined(room: existing.name, members: existing.members.count + 1, epoch: existing.epoch, lastID: existing.lastID,
                     history: KeptRecord.latest(keep, held: held, folded: existing.name.folded, archive: archive), recent: []))
    }

    public func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void) {
        let held = registry.room(named: room).map {
            KeptRecord.Held(name: $0.name, epoch: $0.epoch, lastID: $0.lastID, history: $0.history)
        }
        done(KeptRecord.answer(query, keep: keep, held: held, folded: room.folded, archive: archive))
    }

    /// The room's one sequencer: each message gets the next id (and goes to the archive).
    public func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64,
                    text: UnsafeRawBufferPointer) -> Bool {
        if let archive, archive.isBacklogged { return false }
        room.lastID += 1
        registry.broadcast(.say(room: room.name, id: room.lastID, millis: millis, from: sender, text: text), in: room, except: session)
        room.history.append(id: room.lastID, millis: millis, from: sender, text: text)
        if let archive {
            var run = RoomChunk(firstID: room.lastID)
            run.append(millis: millis, from: sender, text: text)
            archive.keep(run, in: room.name, epoch: room.epoch)
        }
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
