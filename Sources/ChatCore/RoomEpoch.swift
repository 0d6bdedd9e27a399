/// A room record's epoch (protocol v2): chosen when the record is created, so that a client
/// that kept ids from an older record of the same room can tell they mean nothing now.
///
/// Written as up to 16 lower-case hexadecimal digits (the protocol allows 1 to 16 of
/// `A-Z a-z 0-9`); a client's token that is not one of those names no epoch of this server.
public struct RoomEpoch: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) {
        self.value = value
    }

    /// A new epoch, never 0.
    public static func random() -> RoomEpoch {
        RoomEpoch(value: UInt64.random(in: 1 ... .max))
    }

    /// The epoch a client names, nil when the token cannot be one of this server's.
    public init?(token: UnsafeRawBufferPointer) {
        guard !token.isEmpty, token.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in token {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        self.value = value
    }

    public var description: String { String(value, radix: 16) }

    /// Appends the epoch as the protocol writes it (on a join's answer, not per message).
    public func write(into line: inout LineBuilder) {
        line.append(description)
    }
}
