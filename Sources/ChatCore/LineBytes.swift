#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers for one protocol line, used on the hot path.
///
/// Lines are parsed in place from the connection's input buffer: these work on
/// `UnsafeRawBufferPointer` slices and never allocate.
public enum LineBytes {
    static let comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    /// `bytes` without leading and trailing spaces and tabs.
    @inlinable
    public static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    @inlinable @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// The index of the first comma in `bytes`, if any.
    @inlinable
    public static func firstComma(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, !bytes.isEmpty,
              let hit = memchr(base, 0x2C, bytes.count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// Splits at the first comma: the part before it and, if there is a comma, the part after.
    @inlinable
    public static func splitAtComma(_ bytes: UnsafeRawBufferPointer)
        -> (head: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer?) {
        guard let comma = firstComma(bytes) else { return (bytes, nil) }
        return (UnsafeRawBufferPointer(rebasing: bytes[..<comma]),
                UnsafeRawBufferPointer(rebasing: bytes[(comma + 1)...]))
    }
}
