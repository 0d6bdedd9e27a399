/// Formats one outgoing line (or a few) into a reusable byte buffer.
///
/// The dispatcher keeps one builder and reuses its capacity, so formatting a
/// reply or a fan-out line allocates nothing once warm; the finished bytes are
/// handed to every recipient as they are.
public struct LineBuilder {
    @usableFromInline
    var bytes: [UInt8] = []

    public init(capacity: Int = 8192) { bytes.reserveCapacity(capacity) }

    /// Empties the buffer, keeping its capacity.
    @inlinable
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    @inlinable
    public mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    @inlinable
    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    @inlinable
    public mutating func append(_ name: ChatName) { name.withBytes { bytes.append(contentsOf: $0) } }

    public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    @inlinable
    public mutating func appendComma() { bytes.append(UInt8(ascii: ",")) }

    @inlinable
    public mutating func appendNewline() { bytes.append(UInt8(ascii: "\n")) }

    /// Appends a decimal integer without going through `String`.
    public mutating func append(decimal value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        append(decimal: value.magnitude)
    }

    /// Appends a decimal integer without going through `String`.
    public mutating func append(decimal value: UInt64) {
        var magnitude = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold any Int64's digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// The number of bytes formatted so far.
    @inlinable
    public var count: Int { bytes.count }

    /// Calls `body` with the formatted bytes.
    @inlinable
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBytes(body)
    }
}
