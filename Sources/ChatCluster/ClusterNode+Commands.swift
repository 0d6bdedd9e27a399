import ChatCore

/// The node as the dispatcher's ``ChatWorld``: each answer comes later, from a script's reply
/// (nil: the link went); the dispatcher has checked everything the session's own state decides.
extension ClusterNode: ChatWorld {
    public func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void) {
        flushPass()
        let sent = run(.register, [name.folded.description, name.description]) { reply in
            done(Self.outcome(reply))
        }
        if !sent { done(.unavailable) }
    }

    public func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void) {
        flushPass()
        let sent = run(.rename, [old.folded.description, new.folded.description, new.description]) { [unowned self] reply in
            let outcome = Self.outcome(reply)
            // Only a member of rooms has said anything that may come back (and has a notice).
            if case .done = outcome, session.roomCount > 0, renameNoticesFirst.remove(old.folded) == nil {
                if renamedFrom.count >= 256 { renamedFrom = renamedFrom.filter { $0.value.session != nil } }
                renamedFrom[old.folded] = WeakSession(session: session)
            }
            done(outcome)
        }
        if !sent { done(.unavailable) }
    }

    public func userNames(then done: @escaping ([ChatName]?) -> Void) {
        let sent = commands.send(RedisCommand("HVALS", prefix + "users")) { reply in
            guard let values = reply?.array else { return done(nil) }
            // Each value is "<node> <name>".
            done(values.compactMap { value in
                value.bytes?.withUnsafeBytes { raw in
                    let words = ClusterWire.words(raw, count: 2)
                    return words.count == 2 ? ChatName(words[1]) : nil
                }
            })
        }
        if !sent { done(nil) }
    }

    public func roomNames(then done: @escaping ([ChatName]?) -> Void) {
        let sent = commands.send(RedisCommand("HVALS", prefix + "rooms")) { reply in
            guard let values = reply?.array else { return done(nil) }
            done(values.compactMap { $0.bytes?.withUnsafeBytes { ChatName($0) } })
        }
        if !sent { done(nil) }
    }

    public func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        let sent = run(.who, [room.folded.description]) { reply in
            guard let values = reply?.array else { return done(.unavailable) }
            let names = values.compactMap { $0.bytes?.withUnsafeBytes { ChatName($0) } }
            guard let spelled = names.first else { return done(.noSuchRoom) }
            done(.members(room: spelled, names: Array(names.dropFirst())))
        }
        if !sent { done(.unavailable) }
    }

    public func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
                     then done: @escaping (ClusterReply) -> Void) {
        guard isAvailable, commands.pending < Self.maxPendingCommands else { return done(.unavailable) }
        chatBatch.arguments.add(name.folded)
        chatBatch.arguments.add(sender)
        chatBatch.arguments.add(ClusterWire.optionalText(text))
        chatBatch.answers.append(done)
        chatBatch.senders.insert(sender.folded)
        flushTimer.fireInThisPass()
    }

    public func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        guard isAvailable else { return done(.unavailable) }
        let link = self.link(for: room.folded)
        let pending = PendingJoin(
            run: { [unowned self] in self.sendJoin(session, as: name, room: room, replay: replay, keep: keep, link: link, then: done) },
            fail: { [unowned self] in
                done(.unavailable)
                self.release(link)
            })
        if link.subscribed { pending.run() } else { link.awaitingSubscription.append(pending) }
    }

    private func sendJoin(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, link: RoomLink,
                          then done: @escaping (ClusterJoin) -> Void) {
        // Gone while the subscription was coming: its `gone` has been sent already.
        guard !session.isClosed else {
            done(.unavailable)
            return release(link)
        }
        flushPass()
        link.joinsInFlight += 1
        var command = RedisCommand()
        command.add(room.folded)
        command.add(room)
        command.add(name.folded)
        command.add(name)
        command.add(configuration.maxRooms ?? 0)
        command.add(keep)
        command.add(RoomEpoch.random().description)
        // A resume needs only what came after its id: Redis sends no more (a resume of a busy
        // room would otherwise read --resume-max messages out of Redis every time).
        if case .resume(let epoch?, let after) = replay {
            command.add(epoch.description)
            command.add(String(after))
        } else {
            command.add("")
            command.add(0)
        }
        let sent = run(.join, command) { [unowned self] reply in
            link.joinsInFlight -= 1
            guard let values = reply?.array, let status = values.first?.integer else {
                done(.unavailable)
                return release(link)
            }
            guard status == 1, values.count >= 5,
                  let spelled = values[1].bytes?.withUnsafeBytes({ ChatName($0) }),
                  let members = values[2].integer, let seq = values[3].integer,
                  let epoch = values[4].bytes?.withUnsafeBytes({ RoomEpoch(token: $0) }) else {
                done(.roomsFull)
                return release(link)
            }
            // The log's last entries, the last of them message `seq`.
            let logged = values.dropFirst(5)
            let history = logged.enumerated().compactMap { offset, value in
                value.bytes.flatMap { ClusterWire.historyEntry($0, id: seq - Int64(logged.count) + 1 + Int64(offset)) }
            }
            let admit = { [unowned self] (recent: [History.Entry]) in
                done(.joined(room: spelled, members: Int(members), epoch: epoch, lastID: recent.last?.id ?? seq,
                             history: history, recent: recent))
                release(link)
            }
            if let last = link.seq, last < seq {
                link.parked.append((seq, { admit([]) }))
            } else {
                if link.seq == nil { link.seq = seq }
                let missed = link.recentShortfall(after: seq)
                if missed > 0 {
                    figures.missed &+= UInt64(missed)
                    logger.warning("a joiner missed room messages said while its join was in flight",
                                   metadata: ["room": "\(room)", "missed": "\(missed)", "kept": "\(link.recentLimit)"])
                }
                admit(link.recentEntries(after: seq))
            }
            if link.joinsInFlight == 0 { link.forgetRecent() }
        }
        if !sent {
            link.joinsInFlight -= 1
            done(.unavailable)
            release(link)
        }
    }

    /// Redis reads exactly the page asked for from the room's log, whose ids are consecutive.
    public func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void) {
        let read: (kind: String, id: Int64, count: Int)
        switch query {
        case .before(let id, let limit): read = ("b", id, limit)
        case .after(let id, let limit): read = ("a", id, limit)
        case .latest, .page, .resume: read = ("l", 0, keep)
        }
        let arguments = [room.folded.description, String(max(1, read.count)), read.kind, String(read.id)]
        let sent = run(.record, arguments) { reply in
            guard let values = reply?.array else { return done(.unavailable) }
            guard values.count >= 4, let spelled = values[0].bytes?.withUnsafeBytes({ ChatName($0) }),
                  let seq = values[1].integer, let epoch = values[2].bytes?.withUnsafeBytes({ RoomEpoch(token: $0) }),
                  let firstID = values[3].integer else {
                return done(.noSuchRoom)
            }
            let entries = values.dropFirst(4).enumerated().compactMap { offset, value in
                value.bytes.flatMap { ClusterWire.historyEntry($0, id: firstID + Int64(offset)) }
            }
            done(.record(room: spelled, epoch: epoch, lastID: seq, entries: entries))
        }
        if !sent { done(.unavailable) }
    }

    public func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64,
                    text: UnsafeRawBufferPointer) -> Bool {
        guard isAvailable, queuedBytes < configuration.maxQueuedBytes else { return false }
        // The sender's chats of this pass go first: room messages are sent before chats.
        let folded = room.name.folded, senderFolded = sender.folded
        if chatBatch.senders.contains(senderFolded) { flushPass() }
        // So are its room messages of this pass in a batch that goes out after this room's.
        if !sayBatches.accepts(from: senderFolded, in: folded) { flushSays() }
        queuedBytes += sayBatches.append(in: folded, from: senderFolded, open: { SayBatch() }) {
            $0.append(millis: millis, from: sender, text: text)
        }
        flushTimer.fireInThisPass()
        return true
    }

    public func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void) {
        flushPass()
        // Unreachable, the leave is the repair's to write; the user has left all the same.
        if !run(.leave, [room.folded.description, name.folded.description, name.description], reply: { _ in done() }) {
            done()
        }
        if localRoom == nil, let link = rooms[room.folded] { release(link) }
    }

    /// A node's messages come back from Redis later: what the leaver said in this pass goes
    /// to Redis now, so the others hear it first, but it is not told its own (its echo comes
    /// back after the leave).
    public func deliverPending() {
        flushPass()
    }

    public func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room]) {
        flushPass()
        var command = RedisCommand()
        command.add(name.folded)
        // Even when this process stops (`notify` false), the other nodes go on and are told.
        command.add(voluntary ? "v" : "x")
        command.add(ClusterWire.optionalText(text))
        run(.unregister, command) { _ in }
        // The local rooms that emptied with it let their links go.
        for room in rooms where room.members.isEmpty {
            if let link = self.rooms[room.name.folded] { release(link) }
        }
    }

    // MARK: Batches

    /// Sends this pass's room messages, one script call per room.
    func flushSays() {
        guard !sayBatches.isEmpty else { return }
        let batches = sayBatches.batches
        sayBatches.removeAll()
        queuedBytes = 0
        for (folded, batch) in batches {
            var command = RedisCommand()
            command.add(folded)
            command.add(configuration.logLimit)
            command.add(batch.body)
            let sent = run(.say, command) { [unowned self] reply in
                if let seq = reply?.integer, seq >= 0 {
                    figures.published &+= UInt64(batch.count)
                } else {
                    figures.lost &+= UInt64(batch.count)
                }
            }
            if !sent { figures.lost &+= UInt64(batch.count) }
        }
    }

    /// The end of a loop pass, or before any other command: its room messages, then its
    /// direct messages in one script call, so that a sender's messages keep their order
    /// (a room message after a chat in the same pass sends the pass first).
    func flushPass() {
        defer { commands.writeNow() }
        flushSays()
        guard !chatBatch.answers.isEmpty else { return }
        let batch = chatBatch
        chatBatch = ChatBatch()
        let sent = run(.chat, batch.arguments) { [unowned self] reply in
            let results = reply?.array ?? []
            for (index, done) in batch.answers.enumerated() {
                let result = index < results.count ? results[index].integer : nil
                if result == 1 { figures.published &+= 1 }
                done(result == 1 ? .done : result == 0 ? .refused : .unavailable)
            }
        }
        if !sent { for done in batch.answers { done(.unavailable) } }
    }

    /// The link went with messages not yet sent: they are lost, and counted.
    func abandonBatches() {
        for (_, batch) in sayBatches.batches { figures.lost &+= UInt64(batch.count) }
        sayBatches.removeAll()
        queuedBytes = 0
    }

    // MARK: Rooms' subscriptions

    /// The room's link, subscribing when it is new.
    func link(for folded: ChatName) -> RoomLink {
        if let link = rooms[folded] { return link }
        let link = RoomLink(folded: folded, channel: roomChannelPrefix + folded.withBytes { Array($0) },
                            recentLimit: configuration.catchUpWindow)
        rooms[folded] = link
        subscriber.subscribe(link.channel)
        return link
    }

    /// Unsubscribes from a room with no local members and no join on the way.
    func release(_ link: RoomLink) {
        guard registry.room(named: link.folded) == nil, link.joinsInFlight == 0,
              link.awaitingSubscription.isEmpty, link.parked.isEmpty, rooms[link.folded] === link else { return }
        rooms[link.folded] = nil
        subscriber.unsubscribe(link.channel)
    }

    private static func outcome(_ reply: RedisReply?) -> ClusterReply {
        switch reply?.integer {
        case 1: .done
        case 0: .refused
        default: .unavailable
        }
    }
}
