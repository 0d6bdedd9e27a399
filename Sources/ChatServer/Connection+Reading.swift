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
                // Where a quiet gap can end a command, its answer waits for that end, so that
                // a client that sends its next command on reading the answer is not cut off.
                if reply {
                    if quietGapTimer != nil { owesLineTooLong = true } else { server.dispatcher.rejectLongLine(from: self) }
                }
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
            let line = UnsafeRawBufferPointer(rebasing: line[..<length])
            if let edge {
                edge.received(line, from: self, chat: server.dispatcher)
            } else {
                server.dispatcher.handle(line: line, from: self)
            }
        case .tooLong:
            server.dispatcher.rejectLongLine(from: self)
        case .skip:
            if owesLineTooLong {
                owesLineTooLong = false
                server.dispatcher.rejectLongLine(from: self)
            }
        }
    }

    /// The peer closed its side: a last line without LF still counts, then the name goes and the output drains.
    func peerClosed() {
        readLines()
        let input = bufferevent_get_input(bufferevent)!
        let remaining = evbuffer_get_length(input)
        if state == .open && (remaining > 0 || owesLineTooLong) {
            handle(UnsafeRawBufferPointer(start: evbuffer_pullup(input, remaining), count: remaining))
        }
        guard state == .open || state == .closing else { return }
        server.dispatcher.disconnect(self)
        closeAfterFlush()
        finishIfFlushed()
    }

    /// After a read on a dialect whose commands need no newline: what is left without one
    /// becomes a command once the client has been quiet for `--quiet-gap`; so does the end
    /// of an over-long one that was being discarded.
    func armQuietGap() {
        guard let quietGapTimer else { return }
        let buffered = evbuffer_get_length(bufferevent_get_input(bufferevent))
        guard state == .open, buffered > 0 || framer.isDiscarding else {
            event_del(quietGapTimer)
            return
        }
        let gap = server.configuration.quietGap
        var delay = timeval(tv_sec: Int(gap), tv_usec: Int((gap - gap.rounded(.down)) * 1e6))
        event_add(quietGapTimer, &delay)
    }

    /// The quiet gap passed: everything buffered is one command.
    func quietGapPassed() {
        guard state == .open else { return }
        let input = bufferevent_get_input(bufferevent)!
        let buffered = evbuffer_get_length(input)
        guard buffered > 0 || framer.isDiscarding else { return }
        handle(UnsafeRawBufferPointer(start: evbuffer_pullup(input, buffered), count: buffered))
        guard state != .closed else { return }
        evbuffer_drain(input, buffered)
        countedInput = 0
        finishIfFlushed()
    }

    /// Counts the bytes that arrived since the last read: the input buffer only grows between reads.
    func countInput() {
        let buffered = evbuffer_get_length(bufferevent_get_input(bufferevent))
        server.counters.bytesIn &+= UInt64(max(0, buffered - countedInput))
        countedInput = buffered
    }
}
