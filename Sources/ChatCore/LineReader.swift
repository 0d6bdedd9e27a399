#if canImport(Glibc)
import Glibc
#endif

/// Where a ``LineReader``'s bytes wait: a libevent evbuffer in the server and the load
/// generator (``LibeventLines/EvbufferLines``), a ``ByteQueue`` in the tests and the fuzzer.
public protocol LineSource {
    /// How many bytes are buffered.
    var count: Int { get }
    /// The first contiguous run of buffered bytes; empty when nothing is buffered.
    func firstChunk() -> UnsafeRawBufferPointer
    /// Where the first LF is, counted from the first buffered byte; nil when there is none.
    func firstNewline() -> Int?
    /// The first `count` bytes, made contiguous; valid until the next change to the source.
    mutating func contiguous(_ count: Int) -> UnsafeRawBufferPointer
    /// Drops the first `count` bytes.
    mutating func drain(_ count: Int)
}

/// The one line reader of protocol v1's framing, for every reader of lines: the server's
/// connections, the load generator's users, the unit tests and the fuzzer.
///
/// Lines are found in place in the source's first chunk; a line spanning chunks is made
/// contiguous only when it can be within the limit; a partial line over the limit is
/// answered once (``Event/tooLong``) and discarded up to its LF, so a source never holds
/// more than the limit and one read of one line. ``LineFramer`` decides what each line is.
public struct LineReader {
    public var framer: LineFramer

    public init(maxLine: Int) {
        framer = LineFramer(maxLine: maxLine)
    }

    /// What the reader found.
    public enum Event {
        /// A complete line, without its LF or the CR before it: valid only during the call.
        case line(UnsafeRawBufferPointer)
        /// A line is over the limit: answer `line-too-long` (once per line).
        case tooLong
        /// The end of a line that was over the limit has been discarded.
        case endOfLongLine
    }

    /// What the caller wants after an event.
    public enum Next {
        /// The next line, if any.
        case more
        /// No more lines for now; the source is still there (what was read is drained).
        case stop
        /// The source is gone (its connection was freed): touch nothing.
        case gone
    }

    /// What a reader's caller does with each event. It gets the reader's framer, the only
    /// way to change the limit (``LineFramer/limit(to:)``) while the reader runs.
    public typealias Handler = (Event, inout LineFramer) -> Next

    /// Hands `body` every complete line buffered in `source`, in order, and drains them.
    @inlinable
    public mutating func read<Source: LineSource>(from source: inout Source, _ body: Handler) {
        while true {
            let bytes = source.firstChunk()
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            var offset = 0
            var next = Next.more
            while next == .more, offset < bytes.count, let newline = memchr(base + offset, 0x0A, bytes.count - offset) {
                let length = UnsafeRawPointer(newline) - (base + offset)
                next = complete(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), body)
                offset += length + 1
            }
            if next == .gone { return }
            if offset > 0 { source.drain(offset) }
            guard next == .more else { return }
            if offset == bytes.count { continue }
            // The chunk ends inside a line: find its end in later chunks, or wait for more.
            guard let end = source.firstNewline() else {
                let buffered = source.count
                let (discard, reply) = framer.overflow(buffered: buffered)
                if reply, body(.tooLong, &framer) == .gone { return }
                if discard { source.drain(buffered) }
                return
            }
            if end > framer.maxLine + 1 {
                // Too long to be valid: answered without making it contiguous.
                next = framer.complete(length: end, lastByte: nil) == .tooLong ? body(.tooLong, &framer) : body(.endOfLongLine, &framer)
            } else {
                next = complete(UnsafeRawBufferPointer(rebasing: source.contiguous(end + 1).prefix(end)), body)
            }
            if next == .gone { return }
            source.drain(end + 1)
            guard next == .more else { return }
        }
    }

    /// The input ended (or, for a dialect, went quiet): what is buffered is one last line.
    @inlinable
    public mutating func finishLine<Source: LineSource>(from source: inout Source, _ body: Handler) {
        let buffered = source.count
        guard buffered > 0 || framer.isDiscarding else { return }
        if complete(source.contiguous(buffered), body) == .gone { return }
        source.drain(buffered)
    }

    @inlinable
    mutating func complete(_ line: UnsafeRawBufferPointer, _ body: Handler) -> Next {
        switch framer.complete(length: line.count, lastByte: line.last) {
        case .line(let length): body(.line(UnsafeRawBufferPointer(rebasing: line[..<length])), &framer)
        case .tooLong: body(.tooLong, &framer)
        case .skip: body(.endOfLongLine, &framer)
        }
    }
}

/// A ``LineSource`` in memory: for the unit tests and the fuzzer.
///
/// The pointers it hands out point into its own storage and stay valid until the next
/// ``append(_:)`` (which may move the bytes) or until it is freed.
public final class ByteQueue: LineSource {
    private var storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 1)
    private var start = 0
    private var end = 0

    public init() {}

    deinit { storage.deallocate() }

    public func append<Bytes: Collection<UInt8>>(_ more: Bytes) {
        if end + more.count > storage.count {
            let kept = end - start
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storage.count, 2 * (kept + more.count)), alignment: 1)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[start..<end]))
            storage.deallocate()
            storage = grown
            start = 0
            end = kept
        }
        for byte in more {
            storage[end] = byte
            end += 1
        }
    }

    public var count: Int { end - start }

    public func firstChunk() -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }

    public func firstNewline() -> Int? { firstChunk().firstIndex(of: 0x0A) }

    public func contiguous(_ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<(start + count)]) }

    public func drain(_ count: Int) {
        start += count
        if start == end { (start, end) = (0, 0) }
    }
}
