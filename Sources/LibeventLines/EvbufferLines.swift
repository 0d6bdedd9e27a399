import CLibevent
import ChatCore

/// A libevent evbuffer as a ``LineSource``: lines are found in place in its first chunk.
///
/// It does not own the evbuffer: whoever owns the bufferevent keeps it alive while a
/// ``LineReader`` reads from it, and a reader's body answers ``LineReader/Next/gone``
/// when it has freed it.
public struct EvbufferLines: LineSource {
    public let buffer: OpaquePointer

    @inlinable
    public init(_ buffer: OpaquePointer) { self.buffer = buffer }

    @inlinable
    public var count: Int { evbuffer_get_length(buffer) }

    @inlinable
    public func firstChunk() -> UnsafeRawBufferPointer {
        var chunk = iovec()
        guard evbuffer_peek(buffer, -1, nil, &chunk, 1) >= 1 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: chunk.iov_base, count: chunk.iov_len)
    }

    @inlinable
    public func firstNewline() -> Int? {
        var eolLength = 0
        let end = evbuffer_search_eol(buffer, nil, &eolLength, EVBUFFER_EOL_LF)
        return end.pos >= 0 ? end.pos : nil
    }

    @inlinable
    public mutating func contiguous(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: evbuffer_pullup(buffer, count), count: count)
    }

    @inlinable
    public mutating func drain(_ count: Int) { evbuffer_drain(buffer, count) }
}
