/// A session's replies that must wait for an earlier `chat` still on its way through the
/// cluster: the chat may yet be answered `no-such-user`, and replies keep command order.
///
/// A `chat` takes a place in the queue; replies made after it queue behind it, formatted;
/// when the chat is answered its place is filled (with its error, or nothing) and the
/// front of the queue goes out. Only a world that answers later (a node of a cluster) makes
/// a session hold replies.
struct HeldReplies {
    enum Entry {
        /// A chat's place, by its ticket, until the world answers it.
        case waiting(UInt64)
        case bytes([UInt8])
    }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Keeps a place for the answer to the chat `ticket` (the dispatcher numbers its chats).
    mutating func hold(_ ticket: UInt64) {
        entries.append(.waiting(ticket))
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        entries.append(.bytes(Array(bytes)))
    }

    /// Fills the chat's place (nil: it needs no reply), then returns what can go out now.
    mutating func fill(_ ticket: UInt64, with bytes: [UInt8]?) -> [[UInt8]] {
        if let index = entries.firstIndex(where: { if case .waiting(ticket) = $0 { true } else { false } }) {
            if let bytes { entries[index] = .bytes(bytes) } else { entries.remove(at: index) }
        }
        var ready: [[UInt8]] = []
        while case .bytes(let bytes)? = entries.first {
            ready.append(bytes)
            entries.removeFirst()
        }
        return ready
    }
}
