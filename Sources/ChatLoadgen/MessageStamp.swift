import ChatCore

/// The text of every message the load generator sends: `<sequence> <send time in µs>`,
/// which lets the receiver check order and loss per sender and measure latency.
public struct MessageStamp: Equatable, Sendable {
    public var sequence: UInt64
    public var sentMicros: UInt64

    public init(sequence: UInt64, sentMicros: UInt64) {
        self.sequence = sequence
        self.sentMicros = sentMicros
    }

    /// Appends the stamp as message text.
    public func append(to line: inout LineBuilder) {
        line.append(decimal: sequence)
        line.append(UInt8(ascii: " "))
        line.append(decimal: sentMicros)
    }

    /// Parses message text; nil when it is not a stamp.
    public init?(_ text: UnsafeRawBufferPointer) {
        guard let space = text.firstIndex(of: UInt8(ascii: " ")),
              let sequence = Self.decimal(UnsafeRawBufferPointer(rebasing: text[..<space])),
              let sent = Self.decimal(UnsafeRawBufferPointer(rebasing: text[(space + 1)...])) else { return nil }
        self.init(sequence: sequence, sentMicros: sent)
    }

    /// A non-negative decimal number of 1 to 19 digits.
    static func decimal(_ digits: UnsafeRawBufferPointer) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)  // 19 digits cannot overflow
        }
        return value
    }
}
