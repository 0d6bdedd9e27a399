import CLibevent
import CLibeventOpenSSL
import ChatCore
import ChatDialects
import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// One client's socket on a bufferevent: the libevent transport's ``Session``, with the
/// lifecycle every port shares (open, condemned, closing, lingering, closed) and the limits.
///
/// A protocol v1 connection hands its lines straight to the dispatcher; a dialect's
/// connection hands its messages to its ``DialectEdge``, and its events are written in
/// that dialect's format.
///
/// The bufferevent's callbacks (and the quiet-gap timer's) carry this object as an
/// unretained pointer; the server's connection table keeps it alive until ``finish()``,
/// which frees both before the table lets go.
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
        /// The bufferevent is freed.
        case closed
    }

    let id: Int
    var state = State.open
    let bufferevent: OpaquePointer
    let output: OpaquePointer
    /// The bufferevent's socket, written directly at the end of a pass.
    private let socket: Int32
    /// A plain connection's output until the end-of-pass write: an evbuffer of its own, with
    /// no callbacks. The bufferevent's output runs its callback on every add, which reads the
    /// bufferevent (another cache line per recipient of a fan-out); it gets only what a full
    /// socket left, and a TLS connection's output. Nil for TLS.
    private let queued: OpaquePointer?
    /// Unowned and unchecked: the server outlives every connection it holds (it finishes
    /// them all before its loop returns), and a checked unowned load is an atomic
    /// retain and release on every send of a fan-out.
    unowned(unsafe) let server: ChatServer
    /// Finds this connection's lines in its input buffer, the same reader the tests and the fuzzer use.
    var reader: LineReader
    /// Input bytes already counted: those left in the buffer after the last read.
    var countedInput = 0
    private let maxPending: Int
    /// The dialect's translation, or nil for protocol v1.
    let edge: (any DialectEdge)?
    /// Fires after a quiet gap in the input of a dialect whose commands need no newline.
    var quietGapTimer: OpaquePointer?
    /// An over-long command without a newline is being discarded; its answer is due when it ends.
    var owesLineTooLong = false
    /// On a port that also answers HTTP, until the first line shows which it is.
    var sniffing: Bool
    /// The HTTP request head being read.
    var http: HTTPRequest?
    /// Set after an upgrade to WebSocket: frames, not lines, from then on.
    var webSocket: WebSocketSession?
    /// A `GET /stats` stream: the server writes figures, the client only listens.
    var isEventStream = false
    /// False once the input is not protocol lines any more: WebSocket frames, or an event
    /// stream's listener. (An answered HTTP request is closing, which stops reading too.)
    var readsLines: Bool { webSocket == nil && !isEventStream }

    /// The peer's address when `--max-connections-per-address` counts it.
    let countedAddress: [UInt8]?
    /// Fires once, `--registration-timeout` after the accept.
    private var registrationTimer: OpaquePointer?

    /// The peer ended its stream while the session awaited the cluster: closing waits for the lines before it.
    var peerEnded = false

    /// The close frame's code when the server closes a WebSocket: 1000, 1001 going away, 1008 policy.
    var webSocketCloseCode: UInt16 = 1000
    /// Plain TCP or TLS: what carries the bufferevent's bytes.
    let transport: ConnectionTransport
    /// On the server's ``PendingWrites`` for this pass.
    private var writeQueued = false
    /// The kernel took less than the pass's output: the bufferevent writes the rest as the
    /// socket drains, and the connection is not on ``PendingWrites`` meanwhile.
    private var buffereventWrites = false
    /// A TLS connection whose handshake has not finished; the handshake timer runs meanwhile.
    private(set) var handshaking = false
    private var handshakeTimer: OpaquePointer?

    /// - Parameters:
    ///   - peer: the client's address, which a telnet user is first named after.
    ///   - answersHTTP: whether a first line starting `GET ` is an HTTP request.
    init?(socket: Int32, id: Int, server: ChatServer, dialect: Dialect?, peer: SocketAddress, countedAddress: [UInt8]?,
          tls: TLSContext?, answersHTTP: Bool) {
        guard let bufferevent = ConnectionTransport.makeBufferevent(base: server.loop.base, socket: socket, tls: tls) else {
            return nil
        }
        transport = tls == nil ? .plain : .tls
        self.id = id
        self.server = server
        self.bufferevent = bufferevent
        self.output = bufferevent_get_output(bufferevent)
        self.socket = socket
        self.queued = tls == nil ? evbuffer_new() : nil
        // An HTTP head's lines may be longer than a chat line; the first line shows which it is.
        self.reader = LineReader(maxLine: answersHTTP ? max(server.dispatcher.maxLine, Self.httpLineLimit) : server.dispatcher.maxLine)
        self.maxPending = server.configuration.maxPending ?? .max
        self.countedAddress = countedAddress
        self.sniffing = answersHTTP
        if let dialect {
            edge = server.dialects.makeEdge(dialect, host: peer.host, port: peer.port)
        } else {
            edge = nil
        }
        super.init(format: dialect?.formatID ?? .v1)
        if dialect?.framing == .lineOrQuietGap {
            quietGapTimer = event_new(server.loop.base, -1, 0, Connection.quietGapCallback,
                                      Unmanaged.passUnretained(self).toOpaque())
        }
        bufferevent_set_max_single_read(bufferevent, Self.maxSingleRead)
        bufferevent_set_max_single_write(bufferevent, 65536)
        // Lines are handled as they arrive, so input holds at most a partial line and one read:
        // past that, reading pauses rather than buffering without bound.
        bufferevent_setwatermark(bufferevent, Int16(EV_READ), 0, server.dispatcher.maxLine + 2 + Self.maxSingleRead)
        bufferevent_set_timeouts(bufferevent, server.idleTimeout, nil)
        bufferevent_setcb(bufferevent, Connection.readCallback, Connection.writeCallback, Connection.eventCallback,
                          Unmanaged.passUnretained(self).toOpaque())
        // A TLS bufferevent encrypts as it writes, so it writes all of its output itself; a
        // plain connection is written at the end of each pass (``PendingWrites``).
        buffereventWrites = tls != nil
        // A new bufferevent has EV_WRITE on: a plain one turns it off, so that output added
        // does not add its write event (two epoll_ctl calls per connection per pass).
        bufferevent_enable(bufferevent, Int16(EV_READ))
        if tls == nil { bufferevent_disable(bufferevent, Int16(EV_WRITE)) }
        if tls != nil {
            handshaking = true
            handshakeTimer = event_new(server.loop.base, -1, 0, Connection.handshakeCallback,
                                       Unmanaged.passUnretained(self).toOpaque())
            let seconds = server.configuration.tlsHandshakeTimeout
            var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
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
        guard pendingOutput + lines.count <= maxPending else { return condemn() }
        server.counters.bytesOut &+= UInt64(lines.count)
        append(lines.baseAddress, lines.count)
    }

    /// What waits to be written, for `--max-pending`: read from the evbuffer the bytes then go
    /// to, whose line the add loads anyway.
    private var pendingOutput: Int { evbuffer_get_length(buffereventWrites ? output : queued ?? output) }

    /// Queues `count` bytes: for the end of this pass's write, or for the bufferevent while it writes.
    func append(_ bytes: UnsafeRawPointer?, _ count: Int) {
        guard !buffereventWrites, let queued else {
            evbuffer_add(output, bytes, count)
            return
        }
        evbuffer_add(queued, bytes, count)
        guard !writeQueued else { return }
        writeQueued = true
        server.pendingWrites.add(self)
    }

    /// The end of the pass: one `writev` of what the pass queued. An open connection only: a
    /// closing one is written by its bufferevent, under the flush limit.
    func writeQueuedOutput() {
        writeQueued = false
        guard state == .open, !buffereventWrites, let queued else { return }
        // An error (the peer reset) leaves the bytes where they are: the bufferevent's write
        // then meets the same error and reports it, which closes the connection.
        _ = evbuffer_write(queued, socket)
        if evbuffer_get_length(queued) > 0 { handWritesToBufferevent() }
    }

    /// The bufferevent writes from now on, starting with what is queued (moved, not copied).
    private func handWritesToBufferevent() {
        buffereventWrites = true
        if let queued, evbuffer_get_length(queued) > 0 { evbuffer_add_buffer(output, queued) }
        bufferevent_enable(bufferevent, Int16(EV_WRITE))
    }

    /// The bufferevent has written everything: an open connection goes back to end-of-pass writes.
    func bufferedOutputWritten() {
        if state == .open && buffereventWrites && transport == .plain {
            buffereventWrites = false
            bufferevent_disable(bufferevent, Int16(EV_WRITE))
        }
        finishIfFlushed()
    }

    override func closeAfterFlush() {
        guard state == .open || state == .condemned else { return }
        webSocket?.close(code: webSocketCloseCode)
        state = .closing
        bufferevent_disable(bufferevent, Int16(EV_READ))
        // A peer that stops reading must not hold the connection open for ever.
        var flushLimit = timeval(tv_sec: Int(server.configuration.drainTimeout.rounded(.up)), tv_usec: 0)
        bufferevent_set_timeouts(bufferevent, nil, &flushLimit)
        handWritesToBufferevent()
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
        if http == nil && !isEventStream {
            server.dispatcher.registry.withLines(of: .bye(reason), in: format) { bye in
                if pendingOutput + bye.count <= maxPending { append(bye.baseAddress, bye.count) }
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

    /// Frees the bufferevent (and with it the socket) now, whatever is still queued.
    func finish() {
        guard state != .closed else { return }
        state = .closed
        server.dispatcher.disconnect(self)
        if let quietGapTimer { event_free(quietGapTimer) }
        quietGapTimer = nil
        freeRegistrationTimer()
        if let handshakeTimer { event_free(handshakeTimer) }
        handshakeTimer = nil
        webSocket = nil
        if isEventStream { server.eventStreams?.remove(self) }
        server.releasePlaces(of: self)
        if let queued { evbuffer_free(queued) }
        bufferevent_free(bufferevent)
        server.connectionFinished(self)
    }

    func finishIfFlushed() {
        guard state == .closing && evbuffer_get_length(output) == 0 else { return }
        transport.sayGoodbye(bufferevent)
        guard transport.peerHasUnreadBytes(bufferevent) else { return finish() }
        state = .lingering
        transport.halfClose(bufferevent)
        evbuffer_drain(bufferevent_get_input(bufferevent), evbuffer_get_length(bufferevent_get_input(bufferevent)))
        countedInput = 0
        var limit = timeval(tv_sec: Self.lingerSeconds, tv_usec: 0)
        bufferevent_set_timeouts(bufferevent, &limit, nil)
        bufferevent_enable(bufferevent, Int16(EV_READ))
    }

    /// How long a lingering close waits for the peer's end of stream.
    static let lingerSeconds = 2
}
