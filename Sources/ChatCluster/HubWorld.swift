import ChatCore
import LibeventKit

/// One loop of a `--loops N` process as the dispatcher's ``ChatWorld``: its ``Registry`` is the
/// loop's view (its own sessions, and the rooms they are in), the ``LoopHub`` the whole chat.
/// Every answer comes at once, inside the call, from one step on the hub.
///
/// A loop's room and direct messages of one pass go to the hub as one step at the pass's end
/// (``flush()``), and every other step (a claim, a join...) takes them first, so the hub
/// sees each session's commands in the order given. A step first takes what the other loops
/// posted to this one, which its sessions hear before the step's own effects: each loop's
/// members hear everything in the order the hub's steps took, and each room's messages in
/// the order its sequencer numbered them. The step's own effects on this loop's members (its
/// room messages, a join's notice) are written here, from the loop's own sessions and rooms;
/// the hub posts them to the other loops only.
///
/// Touched only on the loop's thread, like the registry.
public final class HubWorld: ChatWorld {
    let hub: LoopHub
    /// This loop's place among the hub's.
    let index: Int
    let registry: Registry
    /// The pass's room messages, by room and sender (their identities: both outlive the pass,
    /// since a leave, a rename or a session's end takes the pass's messages first).
    private var says = PassBatches<ObjectIdentifier, ObjectIdentifier, PassSays>()
    private var saidBytes = 0
    /// The pass's direct messages, and their senders (folded).
    private var chats: [PassChat] = []
    private var chatSenders: Set<ChatName> = []
    private var flushTimer: EventTimer?
    private var flushArmed = false
    private var listener: DoorbellListener?
    private var loopBinding = LoopBinding()

    /// A pass's room messages past this many bytes go to the hub at once.
    static let maxPassBytes = 1 << 20

    public init(hub: LoopHub, index: Int, registry: Registry, loop: EventLoop) {
        self.hub = hub
        self.index = index
        self.registry = registry
        flushTimer = EventTimer(loop: loop) { [unowned self] in self.flush() }
        listener = hub.doorbells[index].listen(on: loop) { [unowned self] in self.receive(self.hub.take(for: self.index)) }
    }

    /// The loops of one process never lose each other.
    public var isAvailable: Bool { true }

    public func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void) {
        done(commit { $0.claim(name, loop: index) } ? .done : .refused)
    }

    public func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void) {
        guard commit({ $0.rename(old, to: new, loop: index) }) else { return done(.refused) }
        registry.broadcastToRoomMates(of: session, .nick(old: old, new: new))
        done(.done)
    }

    public func userNames(then done: @escaping ([ChatName]?) -> Void) {
        done(commit { $0.userNames })
    }

    public func roomNames(then done: @escaping ([ChatName]?) -> Void) {
        done(commit { $0.roomNames })
    }

    public func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        guard let (spelled, names) = commit({ $0.members(of: room) }) else { return done(.noSuchRoom) }
        done(.members(room: spelled, names: names))
    }

    /// Answered at the pass's end, with the pass's other messages.
    public func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
                     then done: @escaping (ClusterReply) -> Void) {
        guard !hub.isBacklogged else { return done(.unavailable) }
        chats.append(PassChat(to: name, from: sender, text: text.map { Array($0) }, done: done))
        chatSenders.insert(sender.folded)
        armFlush()
    }

    /// The joiner's history is the room's as the hub holds it at the join, which its later
    /// messages follow: nothing is missed or told twice.
    public func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        var outcome = commit { $0.join(name, room: room, loop: index, keep: keep) }
        if case .readArchive = outcome {
            // The archive is read here, not under the hub's lock; the hub's own ring holds as
            // many as it keeps.
            let kept = KeptRecord.tail(of: room.folded, keep: max(keep, registry.recordLimit), archive: hub.archive)
            outcome = commit { $0.join(name, room: room, loop: index, keep: keep, kept: kept) }
        }
        switch outcome {
        case .roomsFull:
            done(.roomsFull)
        case .readArchive:
            done(.unavailable)
        case .joined(let spelled, let members, let epoch, let lastID, let history):
            if let existing = registry.room(named: room) {
                registry.broadcast(.memberJoined(room: existing.name, name: name), in: existing, except: nil)
            }
            done(.joined(room: spelled, members: members, epoch: epoch, lastID: lastID, history: history, recent: []))
        }
    }

    /// Read off the hub's lock where the archive is read.
    public func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void) {
        let held = commit { $0.held(room) }
        done(KeptRecord.answer(query, keep: keep, held: held, folded: room.folded, archive: hub.archive))
    }

    public func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64,
                    text: UnsafeRawBufferPointer) -> Bool {
        guard !hub.isBacklogged, hub.archive?.isBacklogged != true else { return false }
        let roomKey = ObjectIdentifier(room), senderKey = ObjectIdentifier(session)
        // A sender's direct messages of this pass, and its messages in a batch opened after
        // this room's, go first.
        if (!chats.isEmpty && chatSenders.contains(sender.folded)) || !says.accepts(from: senderKey, in: roomKey)
            || saidBytes > Self.maxPassBytes {
            flush()
        }
        let keeping = hub.archive != nil
        says.append(in: roomKey, from: senderKey, open: { PassSays(room: room) }) { batch in
            batch.text.append(contentsOf: text)
            batch.entries.append(RoomSays.Entry(millis: millis, from: sender, end: batch.text.count))
            if keeping { batch.run.append(millis: millis, from: sender, text: text) }
            batch.senders.append(session)
        }
        saidBytes += text.count
        armFlush()
        return true
    }

    public func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void) {
        commit { $0.leave(name, room: room, loop: index) }
        if let localRoom { registry.broadcast(.memberLeft(room: localRoom.name, name: name), in: localRoom, except: nil) }
        done()
    }

    public func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room]) {
        let kept = text.map { Array($0) }
        commit { $0.gone(name, text: kept, voluntary: voluntary, notify: notify, loop: index) }
        guard notify, !rooms.isEmpty else { return }
        registry.broadcast(.quit(name: name, text: text, voluntary: voluntary), toMembersOf: rooms, except: nil)
    }

    /// The pass's messages (and what the other loops posted) before a session leaves a room.
    public func deliverPending() {
        commit { _ in }
    }

    // MARK: Steps

    /// The pass's end: its room and direct messages go to the hub.
    public func flush() {
        flushArmed = false
        guard !says.isEmpty || !chats.isEmpty else { return }
        commit { _ in }
    }

    private func armFlush() {
        guard !flushArmed else { return }
        flushArmed = true
        flushTimer?.fireInThisPass()
    }

    /// One step on the hub: this pass's messages, then `step`. What the other loops posted
    /// before it is heard first, then the pass's messages here, then direct messages'
    /// answers; the caller writes `step`'s own effects here after it returns.
    @discardableResult
    private func commit<Result>(_ step: (inout HubState) -> Result) -> Result {
        loopBinding.check()
        let batches = says.batches
        says.removeAll()
        saidBytes = 0
        let passChats = chats
        chats.removeAll(keepingCapacity: true)
        chatSenders.removeAll(keepingCapacity: true)
        let index = self.index
        let (earlier, (sequenced, holders, result)) = hub.commit(from: index) { state in
            let sequenced = batches.map {
                state.say(in: $0.batch.room.name.folded, $0.batch.entries, text: $0.batch.text, run: $0.batch.run, loop: index)
            }
            let holders = passChats.map { state.chat(to: $0.to, from: $0.from, text: $0.text, loop: index) }
            return (sequenced, holders, step(&state))
        }
        receive(earlier)
        for (offset, (_, batch)) in batches.enumerated() {
            guard let says = sequenced[offset] else { continue }
            batch.fanOut(in: registry, firstID: says.firstID)
        }
        for (chat, holder) in zip(passChats, holders) {
            if holder == index, let recipient = registry.user(named: chat.to) {
                chat.text.withOptionalBytes { registry.deliver(.chat(from: chat.from, text: $0), to: recipient) }
            }
            chat.done(holder == nil ? .refused : .done)
        }
        return result
    }
}

/// One room's messages of one loop pass, with their senders, who are not told their own.
struct PassSays {
    let room: Room
    var entries: [RoomSays.Entry] = []
    var text: [UInt8] = []
    var senders: [Session] = []
    /// The messages as the archive keeps them, gathered here rather than under the hub's
    /// lock; the hub gives them their first id.
    var run = RoomChunk(firstID: 0)

    /// Tells this loop's members of the room; the hub numbered the messages from `firstID`.
    func fanOut(in registry: Registry, firstID: Int64) {
        text.withUnsafeBytes { text in
            var start = 0
            var id = firstID
            for (entry, sender) in zip(entries, senders) {
                let said = UnsafeRawBufferPointer(rebasing: text[start..<entry.end])
                registry.broadcast(.say(room: room.name, id: id, millis: entry.millis, from: entry.from, text: said),
                                   in: room, except: sender)
                start = entry.end
                id += 1
            }
        }
    }
}

/// A direct message of one loop pass, and its sender's answer.
struct PassChat {
    let to: ChatName
    let from: ChatName
    let text: [UInt8]?
    let done: (ClusterReply) -> Void
}

extension Optional where Wrapped == [UInt8] {
    /// The bytes, or nil, for as long as `body` runs.
    func withOptionalBytes<Result>(_ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let self else { return body(nil) }
        return self.withUnsafeBytes { body($0) }
    }
}
