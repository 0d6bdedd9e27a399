/// The framing rules of protocol v1 for one connection's input, apart from how
/// the bytes are buffered: LF ends a line, a CR before it is dropped, a line
/// over the limit is answered once and skipped up to its LF.
public struct LineFramer: Sendable {
    /// What to do with a complete line.
    public enum Verdict: Equatable, Sendable {
        /// Handle the line; `length` excludes the LF and the CR before it.
        case line(length: Int)
        /// The line is over the limit: answer `line-too-long`.
        case tooLong
        /// The line is the tail of one already answered as too long: skip it.
        case skip
    }

    /// The longest line accepted, without its LF or CR.
    public private(set) var maxLine: Int
    /// Whether bytes up to the next LF are being discarded.
    public private(set) var isDiscarding = false

    public init(maxLine: Int) {
        self.maxLine = maxLine
    }

    /// Accepts lines up to `maxLine` from now on, keeping whether a line is being discarded:
    /// for a connection whose first line decides which protocol, and limit, it speaks.
    public mutating func limit(to maxLine: Int) {
        self.maxLine = maxLine
    }

    /// Classifies a complete line of `length` bytes (LF excluded) whose last byte is `lastByte`.
    public mutating func complete(length: Int, lastByte: UInt8?) -> Verdict {
        if isDiscarding {
            isDiscarding = false
            return .skip
        }
        let content = lastByte == UInt8(ascii: "\r") ? length - 1 : length
        return content > maxLine ? .tooLong : .line(length: content)
    }

    /// Called when `buffered` bytes wait without an LF. Returns true when they
    /// must be discarded; `reply` is then true the first time, when the client
    /// is owed `line-too-long`.
    public mutating func overflow(buffered: Int) -> (discard: Bool, reply: Bool) {
        // limit + 1 leaves room for the CR of a line exactly at the limit.
        guard buffered > maxLine + 1 else { return (false, false) }
        defer { isDiscarding = true }
        return (true, !isDiscarding)
    }
}
