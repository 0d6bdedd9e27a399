/// A run of one room's messages with consecutive ids, in the bytes the archive keeps them
/// in: one row per run, however many messages it holds, so that a busy room costs the store
/// a row per commit rather than a row per message.
///
/// Each message is its millis (8 bytes, little-endian), its sender's length (1 byte) and
/// bytes, and its text's length (4 bytes, little-endian) and bytes. Runs concatenate: the
/// bytes of ids a...b followed by those of b+1...c are the run a...c.
public struct RoomChunk: Sendable {
    /// The id of the run's first message (a run gathered before its ids are known gets it
    /// when they are).
    public var firstID: Int64
    /// How many messages it holds.
    public private(set) var count = 0
    /// When its last message was said (0 while empty).
    public private(set) var lastMillis: Int64 = 0
    public private(set) var bytes: [UInt8] = []

    public init(firstID: Int64) {
        self.firstID = firstID
    }

    /// The id of the run's last message (`firstID - 1` while empty).
    public var lastID: Int64 { firstID + Int64(count) - 1 }

    public mutating func append(millis: Int64, from: ChatName, text: UnsafeRawBufferPointer) {
        withUnsafeBytes(of: UInt64(bitPattern: millis).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(from.count))
        from.withBytes { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: text)
        count += 1
        lastMillis = millis
    }

    /// Appends the run that follows this one (its first id is this one's last plus one).
    public mutating func append(_ next: RoomChunk) {
        precondition(next.firstID == lastID + 1, "runs of a room concatenate only in id order")
        bytes.append(contentsOf: next.bytes)
        count += next.count
        if next.count > 0 { lastMillis = next.lastMillis }
    }

    /// The run starting at `firstID` (as `bytes`) without its first `count` messages: its new
    /// first id and bytes; nil when the bytes are not a run or hold no more than that.
    public static func dropping(_ count: Int, firstID: Int64, bytes: UnsafeRawBufferPointer) -> (firstID: Int64, bytes: [UInt8])? {
        var offset = 0
        for _ in 0..<count {
            guard bytes.count - offset >= 9 else { return nil }
            offset += 8
            offset += 1 + Int(bytes[offset])
            guard bytes.count - offset >= 4 else { return nil }
            var length: UInt32 = 0
            withUnsafeMutableBytes(of: &length) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4])) }
            offset += 4 + Int(UInt32(littleEndian: length))
        }
        guard offset < bytes.count else { return nil }
        return (firstID + Int64(count), Array(bytes[offset...]))
    }

    /// Appends the messages of the run starting at `firstID` (as `bytes`) said at or after
    /// `sinceMillis` to `entries`, in id order; false when the bytes are not a run (a damaged
    /// row), after appending what came before the damage.
    public static func decode(firstID: Int64, bytes: UnsafeRawBufferPointer, sinceMillis: Int64 = .min,
                              into entries: inout [History.Entry]) -> Bool {
        var offset = 0
        var id = firstID
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard bytes.count - offset >= MemoryLayout<T>.size else { return nil }
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + MemoryLayout<T>.size])) }
            offset += MemoryLayout<T>.size
            return T(littleEndian: value)
        }
        while offset < bytes.count {
            guard let millis = read(UInt64.self), let fromCount = read(UInt8.self),
                  bytes.count - offset >= Int(fromCount),
                  let from = ChatName(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(fromCount)])) else { return false }
            offset += Int(fromCount)
            guard let textCount = read(UInt32.self), bytes.count - offset >= Int(textCount) else { return false }
            let text = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(textCount)])
            offset += Int(textCount)
            let said = Int64(bitPattern: millis)
            if said >= sinceMillis {
                entries.append(History.Entry(id: id, millis: said, from: from, text: Array(text)))
            }
            id += 1
        }
        return true
    }
}
