import CLibevent
import ChatCore
import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// One simulated user: a connection on a bufferevent that registers, optionally
/// lists and joins its room, then sends stamped messages and checks every one it receives.
///
/// The connection is plain TCP or TLS (an OpenSSL bufferevent, whose CONNECTED event comes
/// after the handshake); over WebSocket it first upgrades (`upgrading`), then sends each
/// line as one masked text frame and takes each text message as one line.
final class SimulatedUser {
    enum State {
        case idle, connecting, upgrading, registering, listing, joining, ready, closed
    }

    enum Role {
        /// Sends, receives, and has every delivery checked.
        case checked
        /// Stops reading once ready and never sends: the slow reader the server must shed.
        case stuck
        /// Never sends and goes unchecked: `--churn` makes it quit and come back, again and again.
        case churner
    }

    let index: Int
    let role: Role
    /// Its target among the generator's endpoints: the node it connects (and reconnects) to.
    let target: Int
    /// Where its connection goes now: its target, or after a `--reconnect-every` drop the next
    /// endpoint (another node of the cluster, where there are several), to resume there.
    private(set) var connectTarget: Int
    /// How many times it has connected: the run's counters count the first time only.
    private(set) var connections = 0
    /// Between `quit` and the server's close, before reconnecting.
    private(set) var isQuitting = false
    /// `chat` messages addressed to this user.
    var directExpected: UInt64 = 0
    let room: Int?
    let friends: [Int]
    var state = State.idle
    /// Protocol v2: between `joined` and `replayed`, the room's kept messages come: not news.
    var replaying = false
    /// Protocol v2: its room record's epoch, from its first `joined`, for resuming.
    var roomEpoch: [UInt8]?
    /// `--reconnect-every`: asked to drop its connection; it sends nothing more, and drops
    /// once the server has confirmed all it sent.
    private(set) var leaving = false
    /// Connected again after a drop: its join resumes from the last id it saw, and what the
    /// replay brings is news (each message a delivery).
    var resuming = false
    var resumeReplaying = false
    /// Registrations refused `name-taken` since the drop: the server has not yet seen the old
    /// connection go (it may be on another loop or node).
    var nameRetries = 0
    var check: DeliveryCheck
    /// Messages sent, and how many of them the server has confirmed with `pong`.
    private(set) var sent: UInt64 = 0
    var confirmed: UInt64 = 0
    /// Deliveries its messages should cause (a `say`: the room's other checked members; a
    /// `chat`: one), against which the ``DeliveryLedger`` counts those that arrived.
    var expectedDeliveries: UInt64 = 0
    private var sinceConfirmationRequest = 0
    private var friendSequences: [UInt64]
    private var roomSequence: UInt64 = 0
    var bufferevent: OpaquePointer?
    /// The server's own line reader; server lines have no length limit, so neither has it.
    var reader = LineReader(maxLine: 1 << 40)
    unowned let generator: LoadGenerator
    /// `--transport ws` or `wss`: frames on the wire, not lines.
    let isWebSocket: Bool
    /// WebSocket only: the frames coming in, the frames going out, the mask keys (a fast
    /// generator seeded from the system's for each connection), the upgrade's key, and whether
    /// the server's close has been answered. Separate properties, so that the decoder's
    /// handler may write frames while the decoder runs.
    var frameDecoder = WebSocketDecoder()
    var outgoingFrames: [UInt8] = []
    var maskKeys: SplitMix64
    var webSocketKey = ""
    var closeAnswered = false

    init(index: Int, role: Role, target: Int, room: Int?, friends: [Int], roomStride: Int, generator: LoadGenerator) {
        self.index = index
        self.role = role
        self.target = target
        self.connectTarget = target
        self.check = DeliveryCheck(roomStride: roomStride)
        self.room = room
        self.friends = friends
        self.friendSequences = Array(repeating: 0, count: friends.count)
        self.generator = generator
        self.isWebSocket = generator.configuration.transport.usesWebSocket
        self.maskKeys = SplitMix64(seed: 0)  // seeded afresh for each upgrade
    }

    var inFlight: Int { Int(sent - confirmed) }
    /// `say` messages this user sent in its room.
    var roomSaysSent: UInt64 { roomSequence }
    /// Sends and counts in the delivery checks.
    var isChecked: Bool { role == .checked }

    // MARK: Connecting

    /// Opens the connection, from `source` when given.
    func connect(to address: SocketAddress, from source: SocketAddress?) {
        state = .connecting
        connections += 1
        let socket = Glibc.socket(Int32(address.storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return failed() }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let source {
            // Let connect() pick the port: it may then reuse one whose earlier connection to
            // the same server lingers in TIME_WAIT, which bind() alone refuses.
            var noPort: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_IP), Self.bindAddressNoPort, &noPort, socklen_t(MemoryLayout<Int32>.size))
            let bound = source.withSockaddr { Glibc.bind(socket, $0, $1) }
            guard bound == 0 else {
                Glibc.close(socket)
                return failed()
            }
        }
        let made: OpaquePointer?
        if let tls = generator.tls {
            // Closes the socket on failure.
            made = tls.makeBufferevent(base: generator.loop.base, socket: socket,
                                       serverName: generator.endpoints[connectTarget].serverName)
        } else {
            made = bufferevent_socket_new(generator.loop.base, socket, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
            if made == nil { Glibc.close(socket) }
        }
        guard let bev = made else { return failed() }
        bufferevent = bev
        if isWebSocket {
            frameDecoder = WebSocketDecoder()
            closeAnswered = false
        }
        bufferevent_setcb(bev, isWebSocket ? Self.frameReadCallback : Self.readCallback, nil, Self.eventCallback,
                          Unmanaged.passUnretained(self).toOpaque())
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        let result = address.withSockaddr { bufferevent_socket_connect(bev, $0, Int32($1)) }
        if result != 0 { failed() }
    }

    /// Linux's IP_BIND_ADDRESS_NO_PORT, which Glibc's headers do not name.
    static let bindAddressNoPort: Int32 = 24

    /// Closes the connection; what is still queued is dropped.
    func close() {
        if let bufferevent { bufferevent_free(bufferevent) }
        bufferevent = nil
        state = .closed
    }

    func failed(reason: Int32 = errno) {
        failed(description: String(cString: strerror(reason)))
    }

    /// The connection is gone, or never opened (connecting includes TLS's handshake and the WebSocket upgrade).
    func failed(description: String) {
        guard state != .closed else { return }
        let whileConnecting = state == .connecting || state == .upgrading
        close()
        if isQuitting {
            isQuitting = false
            return generator.userQuit(self)
        }
        if role == .stuck && !whileConnecting { return generator.stuckUserDropped(self) }
        generator.userFailed(self, whileConnecting: whileConnecting, reason: description)
    }

    /// Leaves with `quit`; the generator reconnects it once the server has closed the connection.
    func churn() {
        isQuitting = true
        write("quit\n")
    }

    // MARK: Sending

    func write(_ line: LineBuilder) {
        guard let bufferevent else { return }
        line.withBytes { bytes in
            if isWebSocket { return writeFrames(bytes) }
            _ = bufferevent_write(bufferevent, bytes.baseAddress, bytes.count)
        }
    }

    func write(_ literal: StaticString) {
        guard let bufferevent else { return }
        let bytes = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        if isWebSocket { return writeFrames(bytes) }
        _ = bufferevent_write(bufferevent, bytes.baseAddress, bytes.count)
    }

    /// WebSocket: each LF-ended line of `lines` as one masked text frame without its LF, all
    /// written at once; nothing once the server's close has been answered.
    private func writeFrames(_ lines: UnsafeRawBufferPointer) {
        guard let bufferevent, let base = lines.baseAddress, !closeAnswered else { return }
        outgoingFrames.removeAll(keepingCapacity: true)
        var start = 0
        while start < lines.count {
            let end = memchr(base + start, 0x0A, lines.count - start).map { UnsafeRawPointer($0) - base } ?? lines.count
            WebSocketCodec.appendFrame(.text, payload: UnsafeRawBufferPointer(rebasing: lines[start..<end]),
                                       maskKey: UInt32(truncatingIfNeeded: maskKeys.next()), to: &outgoingFrames)
            start = end + 1
        }
        outgoingFrames.withUnsafeBytes { _ = bufferevent_write(bufferevent, $0.baseAddress, $0.count) }
    }

    /// WebSocket: one masked control frame (pong, close).
    func writeControlFrame(_ opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) {
        guard let bufferevent else { return }
        outgoingFrames.removeAll(keepingCapacity: true)
        WebSocketCodec.appendFrame(opcode, payload: payload, maskKey: UInt32(truncatingIfNeeded: maskKeys.next()), to: &outgoingFrames)
        outgoingFrames.withUnsafeBytes { _ = bufferevent_write(bufferevent, $0.baseAddress, $0.count) }
    }

    /// WebSocket: asks to upgrade the new connection to a WebSocket on `GET /chat`.
    func sendUpgradeRequest() {
        guard let bufferevent else { return }
        state = .upgrading
        // Not a SystemRandomNumberGenerator passed inout: it is an empty struct, and every
        // thread's copy has one address, which ThreadSanitizer reads as a race.
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        maskKeys = SplitMix64(seed: random.next())
        webSocketKey = WebSocketUpgrade.makeKey(using: &random)
        let request = Array(WebSocketUpgrade.request(host: generator.endpoints[connectTarget].hostHeader, key: webSocketKey).utf8)
        request.withUnsafeBytes { _ = bufferevent_write(bufferevent, $0.baseAddress, $0.count) }
    }

    func sendRegister() {
        var line = LineBuilder(capacity: 32)
        if generator.configuration.protocolVersion >= 2 { line.append("hello,2\n") }
        line.append("register,u")
        line.append(decimal: Int64(index))
        line.appendNewline()
        write(line)
    }

    func sendJoinOrBeReady() {
        guard let room else { return becomeReady() }
        state = .joining
        var line = LineBuilder(capacity: 64)
        line.append("join,r")
        line.append(decimal: Int64(room))
        if resuming, let roomEpoch, let lastID = check.lastRoomID {
            line.appendComma()
            roomEpoch.withUnsafeBytes { line.append($0) }
            line.appendComma()
            line.append(decimal: UInt64(lastID))
        }
        line.appendNewline()
        write(line)
    }

    /// `--reconnect-every`: stops sending, and drops the connection once nothing it sent is
    /// unconfirmed (what the server has not read would be lost with it, not missed).
    func leaveToResume() {
        guard state == .ready, !leaving else { return }
        leaving = true
        requestConfirmation()
        dropIfLeaving()
    }

    /// Drops the connection, abruptly, if it is leaving and the server has confirmed all it
    /// sent; the generator connects it again at once.
    func dropIfLeaving() {
        guard leaving, inFlight == 0 else { return }
        leaving = false
        resuming = true
        nameRetries = 0
        check.resumes += 1
        connectTarget = (connectTarget + 1) % generator.endpoints.count
        close()
        generator.connect(self)
    }

    func becomeReady() {
        state = .ready
        if role == .stuck, let bufferevent { bufferevent_disable(bufferevent, Int16(EV_READ)) }
        generator.userReady(self)
    }

    /// Sends one stamped message: a `chat` to a random friend or a `say` in the room.
    /// Returns the deliveries it should cause and, for a `chat`, its recipient; nil,
    /// sending nothing, when no friend can take a `chat` now.
    func sendMessage(direct: Bool, randomness: inout SplitMix64, into line: inout LineBuilder, roomSize: Int,
                     canReceive: (Int) -> Bool) -> (deliveries: Int, recipient: Int?)? {
        line.reset()
        let deliveries: Int
        var recipient: Int?
        if direct {
            let first = Int(randomness.next() % UInt64(friends.count))
            guard let friend = (0..<friends.count).lazy.map({ (first + $0) % self.friends.count })
                .first(where: { canReceive(self.friends[$0]) }) else { return nil }
            friendSequences[friend] += 1
            line.append("chat,u")
            line.append(decimal: Int64(friends[friend]))
            line.appendComma()
            MessageStamp(sequence: friendSequences[friend], sentMicros: MonotonicClock.micros()).append(to: &line)
            deliveries = 1
            recipient = friends[friend]
        } else {
            roomSequence += 1
            line.append("say,r")
            line.append(decimal: Int64(room ?? 0))
            line.appendComma()
            MessageStamp(sequence: roomSequence, sentMicros: MonotonicClock.micros()).append(to: &line)
            deliveries = roomSize - 1
        }
        line.appendNewline()
        sent += 1
        sinceConfirmationRequest += 1
        if sinceConfirmationRequest >= generator.confirmationInterval {
            appendConfirmationRequest(to: &line)
        }
        write(line)
        return (deliveries, recipient)
    }

    /// Asks the server to confirm everything sent so far (`ping,<sent>`), if anything is unconfirmed.
    func requestConfirmation() {
        guard sent > confirmed, sinceConfirmationRequest > 0 else { return }
        var line = LineBuilder(capacity: 32)
        appendConfirmationRequest(to: &line)
        write(line)
    }

    private func appendConfirmationRequest(to line: inout LineBuilder) {
        sinceConfirmationRequest = 0
        line.append("ping,")
        line.append(decimal: Int64(sent))
        line.appendNewline()
    }
}
