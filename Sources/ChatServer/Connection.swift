import CLibevent
import LibeventKit
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

/// One client's socket on a bufferevent: the libevent transport's ``Session``.
///
/// The bufferevent's callbacks carry this object as an unretained pointer;
/// the server's connection table keeps it alive until ``finish()``.
final class Connection: Session {
    enum State {
        /// Reading and handling lines.
        case open
        /// Reading stopped; freed once the output buffer has drained.
        case closing
        /// The bufferevent is freed.
        case closed
    }

    let id: Int
    private(set) var state = State.open
    private let bufferevent: OpaquePointer
    private let output: OpaquePointer
    private unowned let server: ChatServer
    private var framer: LineFramer
    /// Input bytes already counted: those left in the buffer after the last read.
    private var countedInput = 0

    init?(socket: Int32, id: Int, server: ChatServer) {
        guard let bufferevent = bufferevent_socket_new(server.loop.base, socket, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            return nil
        }
        self.id = id
        self.server = server
        self.bufferevent = bufferevent
        self.output = bufferevent_get_output(bufferevent)
        self.framer = LineFramer(maxLine: server.dispatcher.maxLine)
        super.init()
        bufferevent_set_max_single_read(bufferevent, 65536)
        bufferevent_set_max_single_write(bufferevent, 65536)
        bufferevent_setcb(bufferevent, Connection.readCallback, Connection.writeCallback, Connection.eventCallback,
                          Unmanaged.passUnretained(self).toOpaque())
        bufferevent_enable(bufferevent, Int16(EV_READ | EV_WRITE))
    }

    // MARK: Session

    override func send(_ lines: UnsafeRawBufferPointer) {
        guard state == .open else { return }
        server.counters.bytesOut &+= UInt64(lines.count)
        evbuffer_add(output, lines.baseAddress, lines.count)
    }

    override func closeAfterFlush() {
        guard state == .open else { return }
        state = .closing
        bufferevent_disable(bufferevent, Int16(EV_READ))
    }

    // MARK: Closing

    /// Says `bye,<reason>`, frees the session's name, and closes once flushed.
    func close(saying reason: ByeReason, notifyRooms: Bool) {
        guard state == .open else { return }
        server.dispatcher.disconnect(self, notify: notifyRooms)
        reason.line.withUnsafeBytes { send($0) }
        closeAfterFlush()
        finishIfFlushed()
    }

    /// Frees the bufferevent (and with it the socket) now, whatever is still queued.
    func finish() {
        guard state != .closed else { return }
        state = .closed
        server.dispatcher.disconnect(self)
        bufferevent_free(bufferevent)
        server.connectionFinished(self)
    }

    private func finishIfFlushed() {
        if state == .closing && evbuffer_get_length(output) == 0 { finish() }
    }

    // MARK: Reading

    /// Handles every complete line in the input buffer, in place where it is contiguous.
    private func readLines() {
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
    private func peerClosed() {
        readLines()
        let input = bufferevent_get_input(bufferevent)!
        let remaining = evbuffer_get_length(input)
        if state == .open && remaining > 0 {
            handle(UnsafeRawBufferPointer(start: evbuffer_pullup(input, remaining), count: remaining))
        }
        guard state != .closed else { return }
        server.dispatcher.disconnect(self)
        closeAfterFlush()
        finishIfFlushed()
    }

    // MARK: libevent callbacks

    private static let readCallback: bufferevent_data_cb = { _, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        connection.countInput()
        connection.readLines()
        if connection.state != .closed { connection.countedInput = evbuffer_get_length(bufferevent_get_input(connection.bufferevent)) }
        connection.finishIfFlushed()
    }

    private func countInput() {
        let buffered = evbuffer_get_length(bufferevent_get_input(bufferevent))
        server.counters.bytesIn &+= UInt64(buffered - countedInput)
        countedInput = buffered
    }

    private static let writeCallback: bufferevent_data_cb = { _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().finishIfFlushed()
    }

    private static let eventCallback: bufferevent_event_cb = { _, events, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        if events & Int16(BEV_EVENT_ERROR) != 0 {
            connection.finish()
        } else if events & Int16(BEV_EVENT_EOF) != 0 {
            if connection.state == .open { connection.peerClosed() } else { connection.finish() }
        }
    }
}
