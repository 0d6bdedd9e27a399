import ChatCore

/// What the ``LoopHub`` hands a loop: what the other loops did that its members must hear, in
/// the hub's order. Typed values, built once and shared by every loop they go to.
enum HubDelivery: Sendable {
    /// One loop pass's messages in one room, numbered by the room's sequencer.
    case says(RoomSays)
    case joined(room: ChatName, name: ChatName)
    case left(room: ChatName, name: ChatName)
    /// `rooms`: folded, the renamed user's rooms.
    case renamed(old: ChatName, new: ChatName, rooms: [ChatName])
    /// `rooms`: folded, the rooms the user was in.
    case quit(name: ChatName, text: [UInt8]?, voluntary: Bool, rooms: [ChatName])
    case chat(to: ChatName, from: ChatName, text: [UInt8]?)

    /// Roughly what it holds, for the bound on a loop's inbox.
    var bytes: Int {
        switch self {
        case .says(let says): says.text.count + says.entries.count * 32
        case .chat(_, _, let text): 64 + (text?.count ?? 0)
        case .quit(_, let text, _, let rooms): 64 + (text?.count ?? 0) + rooms.count * 16
        case .renamed(_, _, let rooms): 64 + rooms.count * 16
        case .joined, .left: 64
        }
    }
}

/// One loop pass's messages in one room, as the hub sequences them and passes them on: one
/// immutable value for every loop with members there, formatted by each loop once per message.
final class RoomSays: Sendable {
    struct Entry: Sendable {
        let millis: Int64
        let from: ChatName
        /// Where the entry's text ends in ``RoomSays/text``; it starts where the previous one's ends.
        let end: Int
    }

    /// The room's folded name.
    let room: ChatName
    /// The first entry's id; the others follow it one by one.
    let firstID: Int64
    let entries: [Entry]
    /// Every entry's text, one after the other.
    let text: [UInt8]

    init(room: ChatName, firstID: Int64, entries: [Entry], text: [UInt8]) {
        self.room = room
        self.firstID = firstID
        self.entries = entries
        self.text = text
    }

    /// Calls `body` with each entry, its id and its text, in order.
    func forEach(_ body: (Entry, Int64, UnsafeRawBufferPointer) -> Void) {
        text.withUnsafeBytes { text in
            var start = 0
            for (offset, entry) in entries.enumerated() {
                body(entry, firstID + Int64(offset), UnsafeRawBufferPointer(rebasing: text[start..<entry.end]))
                start = entry.end
            }
        }
    }

    /// The entries as a run for the archive.
    var run: RoomChunk {
        var run = RoomChunk(firstID: firstID)
        forEach { entry, _, text in run.append(millis: entry.millis, from: entry.from, text: text) }
        return run
    }
}
