/// A user or room name: 1 to 32 bytes of `A-Z a-z 0-9 _ - .`, stored inline.
///
/// Names are the registry's keys and appear in nearly every line the server
/// formats, so they live in four words instead of a heap-allocated `String`.
/// Equality is byte-exact; compare ``folded`` values for the protocol's
/// case-insensitive uniqueness.
public struct ChatName: Hashable, Sendable {
    /// The longest name the protocol allows.
    public static let maxLength = 32

    @usableFromInline
    typealias Storage = (UInt64, UInt64, UInt64, UInt64)

    @usableFromInline
    var storage: Storage = (0, 0, 0, 0)
    /// The number of bytes in the name.
    public private(set) var count: Int = 0

    /// Validates `bytes` against the name rules; nil when they break them.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 1, bytes.count <= Self.maxLength else { return nil }
        for byte in bytes where !Self.isNameByte(byte) { return nil }
        count = bytes.count
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
    }

    /// Validates a `String`, for tests and configuration.
    public init?(_ string: String) {
        var string = string
        guard let name = string.withUTF8({ ChatName(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = name
    }

    /// The ASCII-lowercased name: the key under which it is unique.
    public var folded: ChatName {
        var copy = self
        withUnsafeMutableBytes(of: &copy.storage) { bytes in
            for index in 0..<count where bytes[index] &- UInt8(ascii: "A") < 26 { bytes[index] |= 0x20 }
        }
        return copy
    }

    /// Calls `body` with the name's bytes.
    @inlinable
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    public static func == (lhs: ChatName, rhs: ChatName) -> Bool {
        lhs.count == rhs.count && lhs.storage.0 == rhs.storage.0 && lhs.storage.1 == rhs.storage.1
            && lhs.storage.2 == rhs.storage.2 && lhs.storage.3 == rhs.storage.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
        hasher.combine(storage.3)
    }

    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}

extension ChatName: CustomStringConvertible {
    /// The name as text, for logs and tests.
    public var description: String { withBytes { String(decoding: $0, as: UTF8.self) } }
}
