import CLibevent
import ChatCore
import LibeventKit
import LibeventLines
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// The transport read: what came is handled, or, lingering, discarded.
    func inputArrived() {
        countInput()
        if state == .lingering {
            evbuffer_drain(input, evbuffer_get_length(input))
            countedInput = 0
            return
        }
        readLines()
        if let webSocket, state == .open || state == .condemned {
            // Frames wait in the input buffer while the session awaits the cluster.
            guard !isAwaiting else { return }
            webSocket.read()
            afterWebSocketRead()
        } else if !readsLines, state == .open {
            evbuffer_drain(input, evbuffer_get_length(input))  // an event stream's listener has nothing to say
        }
        if state != .closed {
            countedInput = evbuffer_get_length(input)
            armQuietGap()
            resumeReadingIfRoom()
        }
        finishIfFlushed()
    }

    /// The peer ended its stream: its last line counts if the connection is open; otherwise it is done.
    func peerEndedStream() {
        if state == .open { peerClosed() } else { finish() }
    }

    /// Nothing came for `--idle-timeout` (or, lingering, for the linger).
    func readTimedOut() {
        if state == .open { close(saying: .idleTimeout, notifyRooms: true) } else { finish() }
    }

    /// Handles every complete line in the input buffer, in place where it is contiguous.
    func readLines() {
        guard state == .open && readsLines else { return }
        var input = EvbufferLines(input)
        if sniffing { sniffPartialLine(input.buffer) }
        reader.read(from: &input) { event, framer in handle(event, framer: &framer) }
    }

    /// One event of the reader: a line, or one too long. While the reader runs, its framer
    /// is reached only through `framer`.
    private func handle(_ event: LineReader.Event, framer: inout LineFramer) -> LineReader.Next {
        switch event {
        case .line(let line):
            switch wire {
            case .lines: server.dispatcher.handle(line: line, from: self)
            case .dialect(let edge): edge.received(line, from: self, chat: server.dispatcher)
            case .sniffing: sniff(line, framer: &framer)
            case .httpHead: takeHTTPLine(line)
            case .httpAnswered, .eventStream, .webSocket, .done: break  // reading has stopped
            }
        case .tooLong:
            // Where a quiet gap can end a command, its answer waits for that end, so that
            // a client that sends its next command on reading the answer is not cut off.
            if quietGapTimer != nil && framer.isDiscarding { owesLineTooLong = true } else { answerLongLine(framer: &framer) }
        case .endOfLongLine:
            if owesLineTooLong {
                owesLineTooLong = false
                server.dispatcher.rejectLongLine(from: self)
            }
        }
        if state == .closed { return .gone }
        return state == .open && readsLines && !isAwaiting ? .more : .stop
    }

    /// The first line has no LF yet: four bytes that are not `GET ` make it protocol v1 at
    /// once, so that its limit is `--max-line` from the start, as the protocol says.
    private func sniffPartialLine(_ input: OpaquePointer) {
        var start = [UInt8](repeating: 0, count: 4)
        guard evbuffer_copyout(input, &start, 4) == 4, !start.elementsEqual("GET ".utf8) else { return }
        wire = .lines
        reader.framer.limit(to: server.dispatcher.maxLine)
    }

    /// A line over `--max-line`: `error,line-too-long`, or, inside an HTTP head, status 431.
    private func answerLongLine(framer: inout LineFramer) {
        if http != nil { return rejectLongHTTPLine() }
        if sniffing {
            wire = .lines  // no request line is that long: protocol v1
            framer.limit(to: server.dispatcher.maxLine)
        }
        server.dispatcher.rejectLongLine(from: self)
    }

    /// The peer closed its side: a last line without LF still counts, then the name goes and the output drains.
    func peerClosed() {
        readLines()
        if isAwaiting && state == .open {
            peerEnded = true
            return
        }
        if state == .open && readsLines {
            var input = EvbufferLines(input)
            reader.finishLine(from: &input) { event, framer in handle(event, framer: &framer) }
        }
        // The last line waits for the cluster: the close waits for its answer.
        if isAwaiting && state == .open {
            peerEnded = true
            return
        }
        guard state == .open || state == .closing else { return }
        server.dispatcher.disconnect(self)
        guard transport.writesAfterPeerEnd else { return finish() }
        closeAfterFlush()
        finishIfFlushed()
    }

    /// After a read on a dialect whose commands need no newline: what is left without one
    /// becomes a command once the client has been quiet for `--quiet-gap`; so does the end
    /// of an over-long one that was being discarded.
    func armQuietGap() {
        guard let quietGapTimer else { return }
        let buffered = evbuffer_get_length(input)
        guard state == .open, buffered > 0 || reader.framer.isDiscarding else {
            event_del(quietGapTimer)
            return
        }
        let gap = server.configuration.quietGap
        var delay = timeval(seconds: gap)
        event_add(quietGapTimer, &delay)
    }

    /// The quiet gap passed: everything buffered is one command.
    func quietGapPassed() {
        guard state == .open, !isAwaiting else { return }  // resuming arms the gap again
        var input = EvbufferLines(input)
        reader.finishLine(from: &input) { event, framer in handle(event, framer: &framer) }
        guard state != .closed else { return }
        countedInput = 0
        resumeReadingIfRoom()
        finishIfFlushed()
    }

    /// Counts the bytes that arrived since the last read: the input buffer only grows between reads.
    func countInput() {
        let buffered = evbuffer_get_length(input)
        server.counters.bytesIn &+= UInt64(max(0, buffered - countedInput))
        countedInput = buffered
    }
}
