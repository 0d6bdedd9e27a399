import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// Handles every complete line in the input buffer, in place where it is contiguous.
    func readLines() {
        let input = bufferevent_get_input(bufferevent)!
        while state == .open {
            var chunk = iovec()
            guard evbuffer_peek(input, -1, nil, &chunk, 1) >= 1, chunk.iov_len > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: chunk.iov_base, count: chunk.iov_len)
            var offset = 0
            while offset < bytes.count, state == .open,
                  let newline = memchr(bytes.baseAddress! + offset, 0x0A, bytes.count - offset) {
                let length = UnsafeRawPointer(newline) - (bytes.baseAddress! + offset)
                handle(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
                offset += length + 1
            }
            guard state != .closed else { return }
            if offset > 0 { evbuffer_drain(input, offset) }
            guard state == .open, offset < bytes.count else { continue }
            // The chunk ends inside a line: find its end in later chunks, or wait for more.
            var eolLength = 0
            let end = evbuffer_search_eol(input, nil, &eolLength, EVBUFFER_EOL_LF)
            guard end.pos >= 0 else {
                let buffered = evbuffer_get_length(input)
                let (discard, reply) = framer.overflow(buffered: buffered)
                if reply { server.dispatcher.rejectLongLine(from: self) }
                if discard { evbuffer_drain(input, buffered) }
                return
            }
            handleSpanning(length: end.pos, in: input)
            guard state != .closed else { return }
            evbuffer_drain(input, end.pos + 1)
        }
    }

    /// A line of `length` bytes that spans chunks: made contiguous only if it can be valid.
    private func handleSpanning(length: Int, in input: OpaquePointer) {
        if length > framer.maxLine + 1 {
            if framer.complete(length: length, lastByte: nil) == .tooLong { server.dispatcher.rejectLongLine(from: self) }
            return
        }
        let start = evbuffer_pullup(input, length + 1)
        handle(UnsafeRawBufferPointer(start: start, count: length))
    }

    private func handle(_ line: UnsafeRawBufferPointer) {
        switch framer.complete(length: line.count, lastByte: line.last) {
        case .line(let length):
            server.dispatcher.handle(line: UnsafeRawBufferPointer(rebasing: line[..<length]), from: self)
        case .tooLong:
            server.dispatcher.rejectLongLine(from: self)
        case .skip:
            break
        }
    }

    /// The peer closed its side: a last line without LF still counts, then the name goes and the output drains.
    func peerClosed() {
        readLines()
        let input = bufferevent_get_input(bufferevent)!
        let remaining = evbuffer_get_length(input)
        if state == .open && remaining > 0 {
            handle(UnsafeRawBufferPointer(start: evbuffer_pullup(input, remaining), count: remaining))
        }
        guard state == .open || state == .closing else { return }
        server.dispatcher.disconnect(self)
        closeAfterFlush()
        finishIfFlushed()
    }

    /// Counts the bytes that arrived since the last read: the input buffer only grows between reads.
    func countInput() {
        let buffered = evbuffer_get_length(bufferevent_get_input(bufferevent))
        server.counters.bytesIn &+= UInt64(max(0, buffered - countedInput))
        countedInput = buffered
    }
}
