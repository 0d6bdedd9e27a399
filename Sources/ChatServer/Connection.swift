import CLibevent
import CLibeventOpenSSL
import ChatCore
import ChatDialects
import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// One client's socket: the libevent transport's ``Session``, with the lifecycle every port
/// shares (open, condemned, closing, lingering, closed) and the limits.
///
/// A protocol v1 connection hands its lines straight to the dispatcher; a dialect's
/// connection hands its messages to its ``DialectEdge``, and its events are written in
/// that dialect's format.
///
/// Plain TCP reads and writes its socket on events of its own (`Connection+Socket.swift`);
/// TLS on OpenSSL's bufferevent (`Connection+TLS.swift`). Both call the same handlers, so
/// the lifecycle is one. The events' and the bufferevent's callbacks (and the timers')
/// carry this object as an unretained pointer; the server's connection table keeps it
/// alive until ``finish()``, which frees them all before the table lets go.
final class Connection: Session {
    enum State {
        /// Reading and handling lines.
        case open
        /// Over `--max-pending`: takes no more output and waits for the server to drop it
        /// outside the fan-out that overflowed it.
        case condemned
        /// Reading stopped; freed once the output buffer has drained (or the flush times out).
        case closing
        /// Flushed and half-closed, reading and discarding what the peer still sends, so that
        /// closing does not answer its unread bytes with a reset that could destroy our last lines.
        case lingering
        /// The socket is closed and its buffers and events are freed.
        case closed
    }

    // What a fan-out reads of each recipient comes first, beside the end of Session's
    // fields: each cache line a recipient touches is a miss on a large room's fan-out.
    /// Our bytes, queued and not yet written.
    let output: OpaquePointer
    /// Unowned and unchecked: the server outlives every connection it holds (it finishes
    /// them all before its loop returns), and a checked unowned load is an atomic
    /// retain and release on every send of a fan-out.
    unowned(unsafe) let server: ChatServer
    var state = State.open
    /// On the server's ``PendingWrites`` for this pass.
    private var writeQueued = false
    /// Output is written at the end of each pass (plain TCP, open, the socket taking it all);
    /// otherwise the transport writes it as the socket drains: the write event, or TLS's bufferevent.
    var writesAtEndOfPass = false
    let id: Int
    /// The peer's bytes, read and not yet handled.
    let input: OpaquePointer
    /// The client's socket.
    let socket: Int32
    /// TLS only: OpenSSL's bufferevent, which owns `input`, `output`, the SSL and the socket.
    let bufferevent: OpaquePointer?
    /// Plain TCP only: the persistent read event, with the time a silent peer is given in
    /// the connection's state.
    var readEvent: OpaquePointer?
    /// Plain TCP only: the persistent write event, made the first time a full socket leaves output.
    var writeEvent: OpaquePointer?
    /// Plain TCP only: reading paused because `input` is at its limit (lines wait for the cluster).
    var readingPaused = false
    /// Finds this connection's lines in its input buffer, the same reader the tests and the fuzzer use.
    var reader: LineReader
    /// Input bytes already counted: those left in the buffer after the last read.
    var countedInput = 0
    /// What the connection speaks (``Wire``): learned from its port and its first line.
    var wire: Wire
    /// Fires after a quiet gap in the input of a dialect whose commands need no newline.
    var quietGapTimer: OpaquePointer?
    /// An over-long command without a newline is being discarded; its answer is due when it ends.
    var owesLineTooLong = false

    /// The peer's address when `--max-connections-per-address` counts it.
    let countedAddress: [UInt8]?
    /// Fires once, `--registration-timeout` after the accept.
    private var registrationTimer: OpaquePointer?

    /// The peer ended its stream while the session awaited the cluster: closing waits for the lines before it.
    var peerEnded = false

    /// The close frame's code when the server closes a WebSocket: 1000, 1001 going away, 1008 policy.
    var webSocketCloseCode: UInt16 = 1000
    /// Plain TCP or TLS: what carries the connection's bytes (TLS has the bufferevent).
    var transport: ConnectionTransport { bufferevent == nil ? .plain : .tls }
    /// A TLS connection whose handshake has not finished; the handshake timer runs meanwhile.
    private(set) var handshaking = false
    private var handshakeTimer: OpaquePointer?

    /// - Parameters:
    ///   - peer: the client's address, which a telnet user is first named after.
    ///   - answersHTTP: whether a first line starting `GET ` is an HTTP request.
    init?(socket: Int32, id: Int, server: ChatServer, dialect: Dialect?, peer: SocketAddress, countedAddress: [UInt8]?,
          tls: TLSContext?, answersHTTP: Bool) {
        if let tls {
            guard let bufferevent = ConnectionTransport.makeTLSBufferevent(base: server.loop.base, socket: socket, tls: tls) else {
                return nil
            }
            self.bufferevent = bufferevent
            input = bufferevent_get_input(bufferevent)
            output = bufferevent_get_output(bufferevent)
        } else {
            guard let input = evbuffer_new() else { return nil }
            guard let output = evbuffer_new() else {
                evbuffer_free(input)
                return nil
            }
            bufferevent = nil
            self.input = input
            self.output = output
        }
        self.id = id
        self.server = server
        self.socket = socket
        // An HTTP head's lines may be longer than a chat line; the first line shows which it is.
        self.reader = LineReader(maxLine: answersHTTP ? max(server.dispatcher.maxLine, Self.httpLineLimit) : server.dispatcher.maxLine)
        self.countedAddress = countedAddress
        if let dialect {
            wire = .dialect(server.dialects.makeEdge(dialect, host: peer.host, port: peer.port))
        } else {
            wire = answersHTTP ? .sniffing : .lines
        }
        super.init(format: dialect?.formatID ?? .v1)
        if let bufferevent {
            startTLS(bufferevent)
        } else {
            guard startSocket() else { return nil }
        }
        if dialect?.framing == .lineOrQuietGap {
            quietGapTimer = event_new(server.loop.base, -1, 0, Connection.quietGapCallback,
                                      Unmanaged.passUnretained(self).toOpaque())
        }
        if tls != nil {
            handshaking = true
            handshakeTimer = event_new(server.loop.base, -1, 0, Connection.handshakeCallback,
                                       Unmanaged.passUnretained(self).toOpaque())
            let seconds = server.configuration.tlsHandshakeTimeout
            var limit = timeval(seconds: seconds)
            event_add(handshakeTimer, &limit)
        }
        if let timeout = server.registrationTimeout {
            registrationTimer = event_new(server.loop.base, -1, 0, Connection.registrationCallback,
                                          Unmanaged.passUnretained(self).toOpaque())
            event_add(registrationTimer, timeout)
        }
    }

    /// The TLS handshake finished.
    func handshakeDone() {
        guard handshaking else { return }
        handshaking = false
        if let handshakeTimer { event_del(handshakeTimer) }
        server.counters.tlsHandshakes += 1
    }

    /// The handshake failed or did not finish within `--tls-handshake-timeout`: closed, counted.
    func handshakeFailed(_ reason: String) {
        guard handshaking else { return }
        handshaking = false
        server.counters.tlsHandshakeFailures += 1
        server.logger.debug("tls handshake failed", metadata: ["id": "\(id)", "reason": "\(reason)"])
        finish()
    }

    /// Registered: the timer is freed now rather than kept for the connection's life (a
    /// libevent event is 128 bytes, a tenth of what a connection costs at 10,000 users).
    override func registered() {
        freeRegistrationTimer()
    }

    /// Registered, or not a chat user (an HTTP stream), or finished: no registration is due.
    func freeRegistrationTimer() {
        if let registrationTimer { event_free(registrationTimer) }
        registrationTimer = nil
    }

    /// `--registration-timeout` after the accept: a connection still without a name is closed.
    func registrationTimePassed() {
        guard state == .open, name == nil else { return }
        server.counters.registrationTimeouts += 1
        close(saying: .registrationTimeout, notifyRooms: false)
    }

    static let maxSingleRead = 65536
    /// Lines are handled as they arrive, so input holds at most a partial line and one read:
    /// past that (lines waiting for the cluster), reading pauses rather than buffering without bound.
    var inputLimit: Int { server.dispatcher.maxLine + 2 + Self.maxSingleRead }
    /// The longest line of an HTTP request head, whatever `--max-line` is.
    static let httpLineLimit = 8192

    /// In the server's table now: a dialect's edge may greet, register and join.
    func opened() {
        edge?.opened(self, chat: server.dispatcher)
        finishIfFlushed()
    }

    // MARK: Session

    override func send(_ lines: UnsafeRawBufferPointer) {
        guard state == .open else { return }
        guard pendingOutput + lines.count <= server.maxPending else { return condemn() }
        server.counters.bytesOut &+= UInt64(lines.count)
        append(lines.baseAddress, lines.count)
    }

    /// What waits to be written, for `--max-pending`.
    private var pendingOutput: Int { evbuffer_get_length(output) }

    /// Queues `count` bytes: for the end of this pass's write, or for the transport while it writes.
    func append(_ bytes: UnsafeRawPointer?, _ count: Int) {
        evbuffer_add(output, bytes, count)
        guard writesAtEndOfPass, !writeQueued else { return }
        writeQueued = true
        server.pendingWrites.add(self)
    }

    /// The end of the pass: one `writev` of what the pass queued. An open connection only: a
    /// closing one is written as its socket drains, under the flush limit.
    func writeQueuedOutput() {
        writeQueued = false
        guard state == .open, writesAtEndOfPass else { return }
        // An error (the peer reset) leaves the bytes where they are: the write event then
        // meets the same error, which closes the connection.
        _ = evbuffer_write(output, socket)
        if evbuffer_get_length(output) > 0 { writeAsSocketDrains() }
    }

    /// The transport has written everything: an open connection goes back to end-of-pass writes.
    func outputWritten() {
        if state == .open && transport == .plain { writesAtEndOfPass = true }
        finishIfFlushed()
    }

    override func closeAfterFlush() {
        guard state == .open || state == .condemned else { return }
        webSocket?.close(code: webSocketCloseCode)
        state = .closing
        stopReading()
        writeAsSocketDrains()
    }

    /// The cluster answered: the lines and frames left in the input buffer while the session
    /// waited are read now, and an end of stream that came meanwhile is taken in its turn.
    override func resumeReading() {
        guard state == .open else { return }
        readLines()
        if let webSocket, state == .open, !isAwaiting {
            webSocket.read()
            afterWebSocketRead()
        }
        if peerEnded && state == .open && !isAwaiting { return peerClosed() }
        armQuietGap()
        resumeReadingIfRoom()
        finishIfFlushed()
    }

    override func close(saying reason: ByeReason) {
        close(saying: reason, notifyRooms: true)
    }

    // MARK: Closing

    /// Says `bye,<reason>`, frees the session's name, and closes once flushed.
    func close(saying reason: ByeReason, notifyRooms: Bool) {
        guard state == .open || state == .condemned else { return }
        server.dispatcher.disconnect(self, notify: notifyRooms)
        // An HTTP request or event stream is not spoken to in chat lines.
        if wire.speaksChat {
            server.dispatcher.registry.withLines(of: .bye(reason), in: format) { bye in
                if pendingOutput + bye.count <= server.maxPending { append(bye.baseAddress, bye.count) }
            }
        }
        webSocketCloseCode = reason == .shutdown ? 1001 : reason == .quit ? 1000 : 1008
        closeAfterFlush()
        finishIfFlushed()
    }

    /// Past `--max-pending`: no more output now, and the server drops the connection
    /// once the fan-out in progress has finished with the room lists.
    private func condemn() {
        state = .condemned
        server.dropSlowConsumer(self)
    }

    /// Frees the socket and everything on it now, whatever is still queued.
    func finish() {
        guard state != .closed else { return }
        state = .closed
        server.dispatcher.disconnect(self)
        if let quietGapTimer { event_free(quietGapTimer) }
        quietGapTimer = nil
        freeRegistrationTimer()
        if let handshakeTimer { event_free(handshakeTimer) }
        handshakeTimer = nil
        if isEventStream { server.eventStreams?.remove(self) }
        wire = .done  // a WebSocket's session goes with it
        server.releasePlaces(of: self)
        if let bufferevent { bufferevent_free(bufferevent) } else { freeSocket() }
        server.connectionFinished(self)
    }

    func finishIfFlushed() {
        guard state == .closing && evbuffer_get_length(output) == 0 else { return }
        transport.sayGoodbye(bufferevent)
        guard transport.peerHasUnreadBytes(socket: socket, input: input) else { return finish() }
        state = .lingering
        transport.halfClose(socket)
        evbuffer_drain(input, evbuffer_get_length(input))
        countedInput = 0
        startReading()
    }

    /// How long a lingering close waits for the peer's end of stream.
    static let lingerSeconds = 2
}
