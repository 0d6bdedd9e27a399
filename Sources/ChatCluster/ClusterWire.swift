import ChatCore

/// How cluster messages are written on Redis's channels and in a room's log: plain words
/// separated by spaces (names and node ids have none), free text last.
///
/// - a room's log entry: `<millis> <from> <text>`
/// - on a room's channel: `S <first sequence number>` LF entries joined by LF; `J <name>`; `L <name>`
/// - on a node's channel: `C` LF direct messages joined by LF, each `<recipient folded> <sender> <-|+text>`
/// - on the notice channel: `Q <node> <name> <v|x> <rooms> <-|+text>`, `N <node> <old> <new> <rooms>`,
///   rooms being folded names joined by commas.
/// A text that may be absent is `-` when it is and `+` and the text when it is not.
enum ClusterWire {
    /// Appends one log entry.
    static func appendEntry(millis: Int64, from: ChatName, text: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(millis).utf8)
        bytes.append(UInt8(ascii: " "))
        from.withBytes { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: text)
    }

    /// One log entry's fields; the text points into `entry`.
    static func entry(_ entry: UnsafeRawBufferPointer) -> (millis: Int64, from: ChatName, text: UnsafeRawBufferPointer)? {
        let fields = words(entry, count: 3)
        guard fields.count == 3, let millis = Int64(ascii: fields[0]), let from = ChatName(fields[1]) else { return nil }
        return (millis, from, fields[2])
    }

    /// A log entry as a history entry, message `id` of its room.
    static func historyEntry(_ bytes: [UInt8], id: Int64) -> History.Entry? {
        bytes.withUnsafeBytes { raw in
            entry(raw).map { History.Entry(id: id, millis: $0.millis, from: $0.from, text: Array($0.text)) }
        }
    }

    /// A text that may be absent.
    static func optionalText(_ text: UnsafeRawBufferPointer?) -> [UInt8] {
        guard let text else { return [UInt8(ascii: "-")] }
        return [UInt8(ascii: "+")] + Array(text)
    }

    /// The text written by ``optionalText(_:)``, pointing into `field`.
    static func optionalText(from field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard field.first == UInt8(ascii: "+") else { return nil }
        return UnsafeRawBufferPointer(rebasing: field.dropFirst())
    }

    /// The first `count - 1` space-separated words and the rest after them (fewer when there are fewer).
    static func words(_ bytes: UnsafeRawBufferPointer, count: Int) -> [UnsafeRawBufferPointer] {
        var result: [UnsafeRawBufferPointer] = []
        result.reserveCapacity(count)
        var start = 0
        var index = 0
        while index < bytes.count && result.count < count - 1 {
            if bytes[index] == UInt8(ascii: " ") {
                result.append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
            }
            index += 1
        }
        if start <= bytes.count { result.append(UnsafeRawBufferPointer(rebasing: bytes[start...])) }
        return result
    }

    /// Comma-separated folded room names.
    static func roomNames(_ bytes: UnsafeRawBufferPointer) -> [ChatName] {
        bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).compactMap {
            ChatName(UnsafeRawBufferPointer(rebasing: $0))
        }
    }
}

extension Int64 {
    /// Decimal ASCII digits, with an optional minus sign.
    init?(ascii bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: Int64 = 0
        var negative = false
        for (offset, byte) in bytes.enumerated() {
            if offset == 0 && byte == UInt8(ascii: "-") && bytes.count > 1 {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = times + Int64(byte - UInt8(ascii: "0"))
        }
        self = negative ? -value : value
    }
}
