import ChatCore

/// The chat as every loop of one process shares it: names, rooms, memberships, each room's
/// history and sequencer, and each loop's inbox. Held by the ``LoopHub`` under its lock; each
/// method is one step a loop takes there, and posts what the other loops must hear to their
/// inboxes in that step, so every loop hears everything in the one order the steps took.
///
/// A loop's own sessions hear what it did from the loop itself, after what its inbox held
/// before the step (``LoopHub/commit(from:_:)``): the step posts nothing to the loop taking it.
struct HubState: Sendable {
    struct User: Sendable {
        var loop: Int
        /// As first written.
        var name: ChatName
        /// Folded.
        var rooms: Set<ChatName> = []
    }

    struct Room: Sendable {
        /// As its creator spelled it.
        var name: ChatName
        /// Folded name -> name as written.
        var members: [ChatName: ChatName] = [:]
        /// Members on each loop: who must hear the room's events.
        var membersOnLoop: [Int]
        var history: History
        /// The record's epoch: new with the room, or its archived record's.
        let epoch: RoomEpoch
        /// The id of the room's last message: the room's sequencer.
        var lastID: Int64

        init(name: ChatName, loopCount: Int, history: History, epoch: RoomEpoch = .random(), lastID: Int64 = 0) {
            self.name = name
            membersOnLoop = Array(repeating: 0, count: loopCount)
            self.history = history
            self.epoch = epoch
            self.lastID = lastID
        }

        /// Numbers a pass's messages and keeps them in the history.
        mutating func record(_ entries: [RoomSays.Entry], text: [UInt8], room: ChatName) -> RoomSays {
            let says = RoomSays(room: room, firstID: lastID + 1, entries: entries, text: text)
            lastID += Int64(entries.count)
            if history.limit > 0 {
                says.forEach { entry, id, text in history.append(id: id, millis: entry.millis, from: entry.from, text: text) }
            }
            return says
        }
    }

    let loopCount: Int
    let historyLimit: Int
    let maxRooms: Int?
    /// Where rooms' messages are kept beyond memory (nil: `--store memory`): each pass's
    /// numbered messages go to it in the step that numbers them, so its runs of a room come
    /// in id order, and a room created again goes on from its record.
    let archive: (any RoomArchive)?
    /// The most bytes a loop's inbox holds (roughly): past it, room and direct messages are refused.
    let maxQueuedBytes: Int
    /// By folded name.
    var users: [ChatName: User] = [:]
    /// By folded name.
    var rooms: [ChatName: Room] = [:]
    var inboxes: [[HubDelivery]]
    var queuedBytes: [Int]
    /// Loops posted to in this step whose inbox was empty before: their doorbells ring after it.
    var toRing: [Int] = []

    init(loopCount: Int, historyLimit: Int, maxRooms: Int?, maxQueuedBytes: Int, archive: (any RoomArchive)? = nil) {
        self.loopCount = loopCount
        self.historyLimit = historyLimit
        self.maxRooms = maxRooms
        self.archive = archive
        self.maxQueuedBytes = maxQueuedBytes
        inboxes = Array(repeating: [], count: loopCount)
        queuedBytes = Array(repeating: 0, count: loopCount)
    }

    /// Some loop is too far behind: new messages wait until it has caught up.
    var isBacklogged: Bool { queuedBytes.contains { $0 > maxQueuedBytes } }

    // MARK: Inboxes

    mutating func post(_ delivery: HubDelivery, to loop: Int) {
        if inboxes[loop].isEmpty { toRing.append(loop) }
        inboxes[loop].append(delivery)
        queuedBytes[loop] += delivery.bytes
    }

    /// Posts to every loop but `except` with members in any of `rooms` (folded).
    mutating func post(_ delivery: HubDelivery, toLoopsIn rooms: some Sequence<ChatName>, except: Int) {
        var reached = Array(repeating: false, count: loopCount)
        for room in rooms {
            guard let counts = self.rooms[room]?.membersOnLoop else { continue }
            for loop in counts.indices where counts[loop] > 0 { reached[loop] = true }
        }
        for loop in reached.indices where reached[loop] && loop != except { post(delivery, to: loop) }
    }

    /// Everything posted to `loop`, oldest first.
    mutating func take(for loop: Int) -> [HubDelivery] {
        guard !inboxes[loop].isEmpty else { return [] }
        queuedBytes[loop] = 0
        defer { inboxes[loop] = [] }
        return inboxes[loop]
    }

    // MARK: Names

    /// Gives `name` to a session of `loop`; false when someone holds it.
    mutating func claim(_ name: ChatName, loop: Int) -> Bool {
        guard users[name.folded] == nil else { return false }
        users[name.folded] = User(loop: loop, name: name)
        return true
    }

    /// Moves `old`'s claim, and its memberships, to `new`; false when someone else holds `new`.
    mutating func rename(_ old: ChatName, to new: ChatName, loop: Int) -> Bool {
        if let holder = users[new.folded], new.folded != old.folded || holder.loop != loop { return false }
        guard var user = users.removeValue(forKey: old.folded) else { return false }
        user.name = new
        for room in user.rooms {
            rooms[room]?.members[old.folded] = nil
            rooms[room]?.members[new.folded] = new
        }
        users[new.folded] = user
        if !user.rooms.isEmpty {
            post(.renamed(old: old, new: new, rooms: Array(user.rooms)), toLoopsIn: user.rooms, except: loop)
        }
        return true
    }

    /// `name` is gone: its claim and memberships go, and (when `notify`) its rooms hear `quit`.
    mutating func gone(_ name: ChatName, text: [UInt8]?, voluntary: Bool, notify: Bool, loop: Int) {
        guard let user = users[name.folded], user.loop == loop else { return }
        users[name.folded] = nil
        if notify && !user.rooms.isEmpty {
            post(.quit(name: user.name, text: text, voluntary: voluntary, rooms: Array(user.rooms)),
                 toLoopsIn: user.rooms, except: loop)
        }
        for room in user.rooms { dropMember(name.folded, from: room, loop: loop) }
    }

    // MARK: Rooms

    enum JoinOutcome {
        /// The room as spelled, its member count (the joiner included), its record's epoch
        /// and last id, and its history.
        case joined(room: ChatName, members: Int, epoch: RoomEpoch, lastID: Int64, history: [History.Entry])
        case roomsFull
        /// The room is not in memory but its archive kept it: read its latest messages (off
        /// the hub's lock) and ask again with them.
        case readArchive
    }

    /// Adds `name` (of `loop`) to `room`, creating it within `maxRooms`; the other loops with
    /// members hear of it. A room the archive kept is created from its record, with `kept`
    /// (its latest messages, read since) in its history.
    mutating func join(_ name: ChatName, room: ChatName, loop: Int, keep: Int,
                       kept: (ArchivedRoom, [History.Entry])? = nil) -> JoinOutcome {
        let key = room.folded
        if rooms[key] == nil {
            if let maxRooms, rooms.count >= maxRooms { return .roomsFull }
            if let record = archive?.room(key) {
                guard let (read, entries) = kept else { return .readArchive }
                var history = History(limit: historyLimit)
                // What was read stands unless the room was made and spoken in again meanwhile.
                if read.epoch == record.epoch {
                    for entry in entries where entry.id <= record.lastID {
                        entry.text.withUnsafeBytes { history.append(id: entry.id, millis: entry.millis, from: entry.from, text: $0) }
                    }
                }
                rooms[key] = Room(name: record.name, loopCount: loopCount, history: history, epoch: record.epoch,
                                  lastID: record.lastID)
            } else {
                rooms[key] = Room(name: room, loopCount: loopCount, history: History(limit: historyLimit))
            }
        }
        post(.joined(room: rooms[key]!.name, name: name), toLoopsIn: CollectionOfOne(key), except: loop)
        rooms[key]!.members[name.folded] = name
        rooms[key]!.membersOnLoop[loop] += 1
        users[name.folded]?.rooms.insert(key)
        let joined = rooms[key]!
        return .joined(room: joined.name, members: joined.members.count, epoch: joined.epoch, lastID: joined.lastID,
                       history: joined.history.latest(keep))
    }

    mutating func leave(_ name: ChatName, room: ChatName, loop: Int) {
        let key = room.folded
        guard users[name.folded]?.rooms.remove(key) != nil else { return }
        dropMember(name.folded, from: key, loop: loop)
        guard let spelled = rooms[key]?.name else { return }
        post(.left(room: spelled, name: name), toLoopsIn: CollectionOfOne(key), except: loop)
    }

    /// Takes a member out; the room goes, with its history, when it empties.
    private mutating func dropMember(_ folded: ChatName, from room: ChatName, loop: Int) {
        guard rooms[room]?.members.removeValue(forKey: folded) != nil else { return }
        rooms[room]!.membersOnLoop[loop] -= 1
        if rooms[room]!.members.isEmpty { rooms[room] = nil }
    }

    // MARK: Messages

    /// Numbers a pass's messages in one room (folded), keeps them in its history (and `run`,
    /// the same messages in the archive's bytes, in the archive) and passes them to the other
    /// loops with members there; nil when the room is gone.
    mutating func say(in room: ChatName, _ entries: [RoomSays.Entry], text: [UInt8], run: RoomChunk? = nil,
                      loop: Int) -> RoomSays? {
        // In place: one lookup for the batch, and no copy of the room's history.
        guard let counts = rooms[room]?.membersOnLoop, let says = rooms[room]?.record(entries, text: text, room: room) else {
            return nil
        }
        // In the step that numbers them: a room's runs reach the archive in id order, and its
        // record's last id is the hub's before the room can be dropped and made again.
        if let archive, let kept = rooms[room] {
            var numbered = run ?? says.run
            numbered.firstID = says.firstID
            archive.keep(numbered, in: kept.name, epoch: kept.epoch)
        }
        for other in counts.indices where counts[other] > 0 && other != loop { post(.says(says), to: other) }
        return says
    }

    /// A direct message to `name`: the loop that holds it, nil when nobody does. Posted there
    /// when that is another loop; the asking loop delivers its own.
    mutating func chat(to name: ChatName, from sender: ChatName, text: [UInt8]?, loop: Int) -> Int? {
        guard let holder = users[name.folded]?.loop else { return nil }
        if holder != loop { post(.chat(to: name, from: sender, text: text), to: holder) }
        return holder
    }

    // MARK: Questions

    var userNames: [ChatName] { users.values.map(\.name) }
    var roomNames: [ChatName] { rooms.values.map(\.name) }

    /// The room's record as held in memory (its history a copy-on-write view): nil when it
    /// is not, and then only an archive may know it.
    func held(_ room: ChatName) -> KeptRecord.Held? {
        rooms[room.folded].map { KeptRecord.Held(name: $0.name, epoch: $0.epoch, lastID: $0.lastID, history: $0.history) }
    }

    /// The room as spelled and its members; nil when it does not exist (a room the archive
    /// kept has none).
    func members(of room: ChatName) -> (room: ChatName, names: [ChatName])? {
        guard let found = rooms[room.folded] else { return archive?.room(room.folded).map { ($0.name, []) } }
        return (found.name, Array(found.members.values))
    }
}
