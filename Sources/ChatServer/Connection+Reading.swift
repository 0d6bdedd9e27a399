import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// Handles every complete line in the input buffer, in place where it is contiguous.
    func readLines() {
        let input = bufferevent_get_input(bufferevent)!
        while state == .open && readsLines {
            var chunk = iovec()
            guard evbuffer_peek(input, -1, nil, &chunk, 1) >= 1, chunk.iov_len > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: chunk.iov_base, count: chunk.iov_len)
            var offset = 0
            while offset < bytes.count, state == .open, readsLines,
                  let newline = memchr(bytes.baseAddress! + offset, 0x0A, bytes.count - offset) {
                let length = UnsafeRawPointer(newline) - (bytes.baseAddress! + offset)
                handle(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
                offset += length + 1
            }
            guard state != .closed else { return }
            if offset > 0 { evbuffer_drain(input, offset) }
            guard state == .open, readsLines, offset < bytes.count else { continue }
            // The chunk ends inside a line: find its end in later chunks, or wait for more.
            var eolLength = 0
            let end = evbuffer_search_eol(input, nil, &eolLength, EVBUFFER_EOL_LF)
            guard end.pos >= 0 else {
                let buffered = evbuffer_get_length(input)
                if sniffing && buffered >= 4 { sniffPartialLine(input) }
                let (discard, reply) = framer.overflow(buffered: buffered)
                // Where a quiet gap can end a command, its answer waits for that end, so that
                // a client that sends its next command on reading the answer is not cut off.
                if reply {
                    if quietGapTimer != nil { owesLineTooLong = true } else { answerLongLine() }
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
            if framer.complete(length: length, lastByte: nil) == .tooLong { answerLongLine() }
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
            } else if sniffing {
                sniff(line)
            } else if http != nil {
                takeHTTPLine(line)
            } else {
                server.dispatcher.handle(line: line, from: self)
            }
        case .tooLong:
            answerLongLine()
        case .skip:
            if owesLineTooLong {
                owesLineTooLong = false
                server.dispatcher.rejectLongLine(from: self)
            }
        }
    }

    /// The first line has no LF yet: four bytes that are not `GET ` make it protocol v1 at
    /// once, so that its limit is `--max-line` from the start, as the protocol says.
    private func sniffPartialLine(_ input: OpaquePointer) {
        var start = [UInt8](repeating: 0, count: 4)
        guard evbuffer_copyout(input, &start, 4) == 4, !start.elementsEqual("GET ".utf8) else { return }
        sniffing = false
        framer.limit(to: server.dispatcher.maxLine)
    }

    /// A line over `--max-line`: `error,line-too-long`, or, inside an HTTP head, status 431.
    private func answerLongLine() {
        if http != nil { return rejectLongHTTPLine() }
        if sniffing {
            sniffing = false  // no request line is that long: protocol v1
            framer.limit(to: server.dispatcher.maxLine)
        }
        server.dispatcher.rejectLongLine(from: self)
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
