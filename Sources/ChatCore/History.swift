/// A room's last `limit` messages, oldest first, in a ring whose slots are
/// reused: a full history allocates nothing more per message.
public struct History: Sendable {
    public struct Entry: Sendable {
        /// Its id in the room (protocol v2): 1 for the room's first message, one more for each next.
        public var id: Int64
        /// When it was said, in milliseconds since the Unix epoch.
        public var millis: Int64
        /// The sender as named when it was said.
        public var from: ChatName
        /// The free text as sent.
        public var text: [UInt8]

        public init(id: Int64, millis: Int64, from: ChatName, text: [UInt8]) {
            self.id = id
            self.millis = millis
            self.from = from
            self.text = text
        }
    }

    /// The most entries kept (the server's `--history`).
    public let limit: Int
    private var slots: [Entry] = []
    private var start = 0

    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// The number of entries held, at most ``limit``.
    public var count: Int { slots.count }

    /// The entry at `position`, 0 being the oldest.
    public subscript(position: Int) -> Entry { slots[(start + position) % slots.count] }

    /// The entries, oldest first.
    public var entries: [Entry] { (0..<count).map { self[$0] } }

    /// The latest `wanted` entries (all, where there are fewer), oldest first.
    public func latest(_ wanted: Int) -> [Entry] { (max(0, count - wanted)..<count).map { self[$0] } }

    /// The ring's answer to `read`; nil when messages older than the ring holds could belong
    /// in it (an archive may keep them). The ring holds every message from its oldest on, and
    /// the record holds nothing before id 1.
    public func entries(_ read: RecordRead) -> [Entry]? {
        guard count > 0 else { return nil }
        let whole = self[0].id == 1
        switch read {
        case .before(let id, let limit):
            var position = count
            while position > 0, self[position - 1].id >= id { position -= 1 }
            let first = max(0, position - limit)
            guard position - first == limit || whole else { return nil }
            return (first..<position).map { self[$0] }
        case .after(let id, let limit):
            guard self[0].id <= id + 1 else { return nil }
            var position = 0
            while position < count, self[position].id <= id { position += 1 }
            return (position..<min(count, position + limit)).map { self[$0] }
        }
    }

    /// Forgets every entry, keeping the slots' storage.
    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        start = 0
    }

    public mutating func append(id: Int64, millis: Int64, from: ChatName, text: UnsafeRawBufferPointer) {
        guard limit > 0 else { return }
        if slots.count < limit {
            slots.append(Entry(id: id, millis: millis, from: from, text: Array(text)))
            return
        }
        slots[start].id = id
        slots[start].millis = millis
        slots[start].from = from
        slots[start].text.replaceSubrange(0..., with: text)
        start = (start + 1) % limit
    }
}
