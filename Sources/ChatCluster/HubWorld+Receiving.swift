import ChatCore

/// What the other loops did, as the hub posted it, told to this loop's members: each room
/// message formatted once per loop by the registry's fan-out, never once per member.
extension HubWorld {
    func receive(_ deliveries: [HubDelivery]) {
        for delivery in deliveries {
            switch delivery {
            case .says(let says):
                guard let room = registry.room(named: says.room) else { continue }
                says.forEach { entry, id, text in
                    registry.broadcast(.say(room: room.name, id: id, millis: entry.millis, from: entry.from, text: text),
                                       in: room, except: nil)
                }
            case .joined(let room, let name):
                guard let local = registry.room(named: room) else { continue }
                registry.broadcast(.memberJoined(room: local.name, name: name), in: local, except: nil)
            case .left(let room, let name):
                guard let local = registry.room(named: room) else { continue }
                registry.broadcast(.memberLeft(room: local.name, name: name), in: local, except: nil)
            case .renamed(let old, let new, let rooms):
                let local = rooms.compactMap { registry.room(named: $0) }
                guard !local.isEmpty else { continue }
                registry.broadcast(.nick(old: old, new: new), toMembersOf: local, except: nil)
            case .quit(let name, let text, let voluntary, let rooms):
                let local = rooms.compactMap { registry.room(named: $0) }
                guard !local.isEmpty else { continue }
                text.withOptionalBytes {
                    registry.broadcast(.quit(name: name, text: $0, voluntary: voluntary), toMembersOf: local, except: nil)
                }
            case .chat(let to, let from, let text):
                guard let recipient = registry.user(named: to) else { continue }
                text.withOptionalBytes { registry.deliver(.chat(from: from, text: $0), to: recipient) }
            }
        }
    }
}
