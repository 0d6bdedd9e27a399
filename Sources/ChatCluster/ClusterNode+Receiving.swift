import ChatCore

/// Messages from Redis's channels, fanned out to this node's members: formatted once per
/// message and node by the registry, never once per member.
extension ClusterNode {
    func received(_ payload: UnsafeRawBufferPointer, on channel: UnsafeRawBufferPointer) {
        guard let kind = payload.first else { return }
        if channel.elementsEqual(nodeChannel) {
            guard kind == UInt8(ascii: "C") else { return }
            return receivedChats(payload)
        }
        if channel.elementsEqual(noticeChannel) {
            figures.received &+= 1
            return receivedNotice(payload)
        }
        guard channel.starts(with: roomChannelPrefix),
              let folded = ChatName(UnsafeRawBufferPointer(rebasing: channel.dropFirst(roomChannelPrefix.count))),
              let link = rooms[folded] else { return }
        switch kind {
        case UInt8(ascii: "S"): receivedSays(payload, link: link)
        case UInt8(ascii: "J"), UInt8(ascii: "L"):
            figures.received &+= 1
            let words = ClusterWire.words(payload, count: 2)
            guard words.count == 2, let name = ChatName(words[1]), let room = registry.room(named: folded) else { return }
            if kind == UInt8(ascii: "J") {
                registry.broadcast(.memberJoined(room: room.name, name: name), in: room, except: localSession(named: name))
            } else {
                registry.broadcast(.memberLeft(room: room.name, name: name), in: room, except: nil)
            }
        default: break
        }
    }

    /// `C` LF `<recipient folded> <sender> <-|+text>` lines: one pass's direct messages to this node.
    private func receivedChats(_ payload: UnsafeRawBufferPointer) {
        let lines = UnsafeRawBufferPointer(rebasing: payload.dropFirst(2))
        for line in lines.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            figures.received &+= 1
            let words = ClusterWire.words(UnsafeRawBufferPointer(rebasing: line), count: 3)
            guard words.count == 3, let recipient = ChatName(words[0]), let sender = ChatName(words[1]),
                  let session = registry.user(named: recipient) else { continue }
            registry.deliver(.chat(from: sender, text: ClusterWire.optionalText(from: words[2])), to: session)
        }
    }

    /// `Q <node> <name> <v|x> <rooms> <-|+text>` or `N <node> <old> <new> <rooms>`
    private func receivedNotice(_ payload: UnsafeRawBufferPointer) {
        if payload.first == UInt8(ascii: "Q") {
            let words = ClusterWire.words(payload, count: 6)
            guard words.count == 6, let name = ChatName(words[2]) else { return }
            let localRooms = ClusterWire.roomNames(words[4]).compactMap { registry.room(named: $0) }
            guard !localRooms.isEmpty else { return }
            let voluntary = words[3].first == UInt8(ascii: "v")
            // A local session by that name is one the cluster took for gone (its node was
            // frozen): it is not told of its own quit, and learns its fate at the repair.
            registry.broadcast(.quit(name: name, text: ClusterWire.optionalText(from: words[5]), voluntary: voluntary),
                               toMembersOf: localRooms, except: registry.user(named: name))
        } else if payload.first == UInt8(ascii: "N") {
            let words = ClusterWire.words(payload, count: 5)
            guard words.count == 5, let old = ChatName(words[2]), let new = ChatName(words[3]) else { return }
            if words[1].elementsEqual(id.utf8) {
                // Nothing of the old name's is on its way now (the notice comes after it).
                if renamedFrom.removeValue(forKey: old.folded) == nil {
                    if renameNoticesFirst.count >= 256 { renameNoticesFirst.removeAll() }
                    renameNoticesFirst.insert(old.folded)
                }
            }
            let localRooms = ClusterWire.roomNames(words[4]).compactMap { registry.room(named: $0) }
            guard !localRooms.isEmpty else { return }
            // The renamed session, when it is this node's: under either name, since the
            // notice may come before or after the rename's own answer.
            let renamed = words[1].elementsEqual(id.utf8) ? registry.user(named: new) ?? registry.user(named: old) : nil
            registry.broadcast(.nick(old: old, new: new), toMembersOf: localRooms, except: renamed)
        }
    }

    /// `S <first sequence number>` LF entries: taken in sequence order, each once. A gap
    /// (this node missed some) fetches them from the room's log first.
    func receivedSays(_ payload: UnsafeRawBufferPointer, link: RoomLink) {
        guard !link.catchingUp else { return link.held.append(Array(payload)) }
        let newline = payload.firstIndex(of: UInt8(ascii: "\n")) ?? payload.count
        guard let first = Int64(ascii: UnsafeRawBufferPointer(rebasing: payload[2..<newline])) else { return }
        if let seq = link.seq, first > seq + 1 {
            link.held.append(Array(payload))
            return catchUp(link)
        }
        var number = first
        let entries = UnsafeRawBufferPointer(rebasing: payload[min(newline + 1, payload.count)...])
        for entry in entries.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            defer { number += 1 }
            if let seq = link.seq, number <= seq { continue }
            take(UnsafeRawBufferPointer(rebasing: entry), number: number, link: link)
        }
    }

    /// One room message in order: the local members hear it (but its sender), and joiners
    /// whose history ends here join the room.
    private func take(_ entry: UnsafeRawBufferPointer, number: Int64, link: RoomLink) {
        guard let (millis, from, text) = ClusterWire.entry(entry) else { return }
        figures.received &+= 1
        link.seq = number
        link.keepIfJoining(millis: millis, from: from, text: text)
        if let room = registry.room(named: link.folded) {
            registry.broadcast(.say(room: room.name, id: number, millis: millis, from: from, text: text), in: room,
                               except: localSession(named: from))
        }
        admitParked(link, all: false)
    }

    /// Joiners whose history the stream has now reached (or all, when the link went).
    func admitParked(_ link: RoomLink, all: Bool) {
        while let first = link.parked.first, all || first.seq <= (link.seq ?? .min) {
            link.parked.removeFirst()
            first.admit()
        }
    }

    /// Fetches the room's log and takes what this node has not: after a gap, or a reconnect.
    func catchUp(_ link: RoomLink) {
        guard !link.catchingUp else { return }
        link.catchingUp = true
        figures.catchUps &+= 1
        let sent = run(.tail, [link.folded.description, String(configuration.catchUpWindow)]) { [unowned self] reply in
            link.catchingUp = false
            guard let values = reply?.array, let last = values.first?.integer else { return }
            let entries = values.dropFirst()
            if let seq = link.seq, last < seq {
                // Redis lost the room's record (restarted empty): its numbers start again.
                link.seq = last
                link.forgetRecent()
            } else {
                let firstInLog = last - Int64(entries.count) + 1
                if let seq = link.seq, firstInLog > seq + 1 { figures.missed &+= UInt64(firstInLog - seq - 1) }
                if link.seq == nil { link.seq = last }
                for (offset, value) in entries.enumerated() {
                    let number = firstInLog + Int64(offset)
                    guard number > link.seq!, let bytes = value.bytes else { continue }
                    if number > link.seq! + 1 { link.forgetRecent() }
                    bytes.withUnsafeBytes { take($0, number: number, link: link) }
                }
            }
            let held = link.held
            link.held = []
            for payload in held {
                payload.withUnsafeBytes { receivedSays($0, link: link) }
            }
        }
        if !sent { link.catchingUp = false }
    }

    /// The local session a message or notice names: by its name, or by the name it renamed
    /// from while what it did under that name is still on its way back.
    func localSession(named name: ChatName) -> Session? {
        registry.user(named: name) ?? renamedFrom[name.folded]?.session
    }
}
