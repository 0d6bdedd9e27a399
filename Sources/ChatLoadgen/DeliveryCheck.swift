/// Checks the messages one user receives: per sender and channel, sequence
/// numbers must arrive exactly once and in order.
///
/// A gap may be a loss or a reordering: a later arrival that fills a gap is
/// counted as reordered, a repeat with no gap outstanding as duplicated; what
/// never arrives shows up as lost when deliveries are compared with what the
/// senders expected.
public struct DeliveryCheck: Sendable {
    /// Where a message came through.
    public enum Channel: Int, Sendable {
        case direct = 0
        case room = 1
    }

    private struct Stream: Sendable {
        var highest: UInt64 = 0
        var received: UInt64 = 0
    }

    public private(set) var delivered: UInt64 = 0
    public private(set) var duplicated: UInt64 = 0
    public private(set) var reordered: UInt64 = 0
    private var streams: [Int: Stream] = [:]

    public init() {}

    /// Records message `sequence` (the first is 1) from `sender` through `channel`.
    public mutating func record(sender: Int, channel: Channel, sequence: UInt64) {
        delivered += 1
        let key = sender << 1 | channel.rawValue
        var stream = streams[key, default: Stream()]
        if sequence > stream.highest {
            stream.highest = sequence
            stream.received += 1
        } else if stream.received < stream.highest {
            reordered += 1
            stream.received += 1
        } else {
            duplicated += 1
        }
        streams[key] = stream
    }
}
