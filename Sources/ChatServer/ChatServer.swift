import CLibevent
import LibeventKit
import ChatCluster
import ChatCore
import ChatDialects
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The chat server: one event loop that owns the listeners (protocol v1's and one per
/// dialect that is on), every connection, and the registry.
public final class ChatServer {
    public enum State: Equatable, Sendable {
        /// Bound, not yet running.
        case initial
        /// Accepting and serving.
        case running
        /// Stopped accepting; saying `bye,shutdown` and flushing.
        case draining
        /// The loop has returned.
        case stopped
    }

    public private(set) var state = State.initial
    public let configuration: ServerConfiguration
    let loop: EventLoop
    let dispatcher: Dispatcher
    let dialects: Dialects
    let logger: Logger
    private var listener: Listener?
    private var dialectListeners: [(dialect: Dialect, listener: Listener)] = []
    private var tlsListener: Listener?
    /// The format of WebSocket sessions: v1 lines as text frames.
    let webSocketFormatID: FormatID
    /// The largest WebSocket message taken in: a larger one closes the connection (1009); one
    /// over `--max-line` but within this is answered `error,line-too-long` like a long line.
    var webSocketMaxMessage: Int { max(4 * configuration.maxLine, 65536) }
    /// `GET /stats` listeners.
    private(set) var eventStreams: EventStreams?
    /// The certificate and key for the TLS port; SIGHUP loads them again.
    private let tls: TLSContext?
    private var connections: [Int: Connection] = [:]
    /// Open connections by peer address, for `--max-connections-per-address` (exempt addresses are not counted).
    private var connectionsByAddress: [[UInt8]: Int] = [:]
    private var nextConnectionID = 0
    private var signalWatchers: [SignalWatcher] = []
    private var drainTimer: EventTimer?
    private var leavingCluster = false
    /// Totals of the libevent layer, bumped by connections on every send. Unchecked for
    /// exclusivity: each bump is one in-place add with no call inside it.
    @exclusivity(unchecked) var counters = TransportCounters()
    /// `--max-pending`, or no limit: here rather than in each connection, whose line a
    /// fan-out reads for every recipient.
    let maxPending: Int
    private(set) var lagMonitor: LoopLagMonitor?
    private var statsReporter: StatsReporter?
    private var metrics: MetricsEndpoint?
    /// libevent's common timeout for `--idle-timeout`: one queue for every connection's
    /// identical timer, so 10,000 idle timers cost O(1) each.
    private(set) var idleTimeout: UnsafePointer<timeval>?
    /// libevent's common timeout for `--registration-timeout`, shared the same way.
    private(set) var registrationTimeout: UnsafePointer<timeval>?
    /// Connections over `--max-pending`, dropped once the current callback is done.
    private var slowConsumers: [Connection] = []
    private var slowConsumerReaper: EventTimer?
    /// Plain connections' output, written at the end of each pass.
    let pendingWrites: PendingWrites
    /// This server as a node of a cluster (`--redis`); nil on a single server.
    let cluster: ClusterNode?

    /// Which of the process's loops this is (0 owns the signals, the metrics port and the log line).
    let index: Int
    /// The other loops, with `--loops` above 1.
    let siblings: LoopSiblings?
    private var doorbell: DoorbellListener?
    /// Rung when loop 0 hands this loop connections (`--loops` above 1).
    private var handoffListener: DoorbellListener?
    /// Loop 0: the loop the next admitted connection goes to.
    private var nextLoop = 0
    var figuresTimer: EventTimer?

    /// Binds the listening socket; throws when the address is bad or in use.
    init(configuration: ServerConfiguration, logger: Logger, index: Int, siblings: LoopSiblings?) throws(ServerError) {
        self.configuration = configuration
        maxPending = configuration.maxPending ?? .max
        self.logger = logger
        self.index = index
        self.siblings = siblings
        nextConnectionID = index << 32  // ids stay unique over loops, in logs
        signal(SIGPIPE, SIG_IGN)
        let loop: EventLoop
        do { loop = try EventLoop() } catch { throw .libevent(error) }
        self.loop = loop
        guard let room = ChatName(configuration.dialectRoom) else { throw .badDialectRoom(configuration.dialectRoom) }
        // Each loop's cached time is its own reading of a coarse clock: a room's history, said
        // on several loops, is stamped from the one clock they share.
        let clock: () -> Int64
        if siblings == nil { clock = { loop.cachedMillis } } else { clock = { UnixClock.nowMillis() } }
        dialects = Dialects(room: room, clock: clock)
        webSocketFormatID = FormatID(index: 1 + dialects.formats.count)
        dispatcher = Dispatcher(registry: Registry(historyLimit: configuration.history,
                                                   otherFormats: dialects.formats + [WebSocketFormat()]),
                                maxLine: configuration.maxLine, limits: configuration.limits, clock: clock)
        pendingWrites = PendingWrites(loop: loop, registry: dispatcher.registry)
        let clusterConfiguration = configuration.cluster
            ?? siblings?.hub.map { ClusterConfiguration.loops($0, historyLimit: configuration.history, maxRooms: configuration.limits.maxRooms) }
        if let clusterConfiguration {
            let node = ClusterNode(configuration: clusterConfiguration, registry: dispatcher.registry, loop: loop, logger: logger)
            dispatcher.world = node
            cluster = node
        } else {
            cluster = nil
        }
        // Loop 0 alone listens (and hands the others their connections): one accept queue per
        // port, so the limits are applied in the order the connections came.
        let listens = index == 0, paused = siblings != nil
        listener = listens ? try Self.listen(loop: loop, host: configuration.host, port: configuration.port, logger: logger,
                                             paused: paused) : nil
        for dialect in Dialect.allCases where listens {
            guard let port = configuration.dialectPorts[dialect] else { continue }
            dialectListeners.append((dialect, try Self.listen(loop: loop, host: configuration.host, port: port, logger: logger,
                                                              paused: paused)))
        }
        if let port = configuration.tlsPort, let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            if let shared = siblings?.tls { tls = shared } else { tls = try TLSContext(certificate: certificate, key: key) }
            tlsListener = listens ? try Self.listen(loop: loop, host: configuration.host, port: port, logger: logger,
                                                    paused: paused) : nil
        } else {
            tls = nil
        }
        listener?.onAccept = { [unowned self] socket in self.accept(socket, dialect: nil) }
        tlsListener?.onAccept = { [unowned self] socket in self.accept(socket, dialect: nil, tls: true) }
        for (dialect, listener) in dialectListeners {
            listener.onAccept = { [unowned self] socket in self.accept(socket, dialect: dialect) }
        }
        if let seconds = configuration.idleTimeout {
            var duration = timeval(seconds: seconds)
            idleTimeout = event_base_init_common_timeout(loop.base, &duration)
        }
        if let seconds = configuration.registrationTimeout {
            var duration = timeval(seconds: seconds)
            registrationTimeout = event_base_init_common_timeout(loop.base, &duration)
        }
        slowConsumerReaper = EventTimer(loop: loop) { [unowned self] in self.reapSlowConsumers() }
        eventStreams = EventStreams(loop: loop) { [unowned self] in self.currentStats() }
        if let port = configuration.metricsPort, index == 0 {
            metrics = try MetricsEndpoint(server: self, host: configuration.host, port: port)
        }
    }

    /// A single server: one loop, the whole chat.
    public convenience init(configuration: ServerConfiguration, logger: Logger) throws(ServerError) {
        try self.init(configuration: configuration, logger: logger, index: 0, siblings: nil)
    }

    private static func listen(loop: EventLoop, host: String, port: Int, logger: Logger,
                               paused: Bool) throws(ServerError) -> Listener {
        let address: SocketAddress
        do { address = try SocketAddress(host: host, port: port) } catch { throw .libevent(error) }
        // Loop 0 of several accepts once its node has joined the others (a few passes in).
        return try Listener(loop: loop, address: address, logger: logger, startPaused: paused)
    }

    /// The ports this loop bound, for the other loops to bind too.
    var boundPorts: (chat: Int?, tls: Int?, dialects: [Dialect: Int]) {
        (listener.map { Int($0.address.port) }, tlsListener.map { Int($0.address.port) },
         Dictionary(uniqueKeysWithValues: dialectListeners.map { ($0.dialect, Int($0.listener.address.port)) }))
    }

    /// The address the server listens on, as `host:port`.
    public var listeningAddress: String { listener?.address.description ?? "" }
    /// The number of open connections.
    public var connectionCount: Int { connections.count }

    /// Serves until SIGTERM or SIGINT, then drains and returns.
    public func run() throws(ServerError) {
        precondition(state == .initial, "run() is called once")
        if let siblings {
            doorbell = siblings.doorbells[index].listen(on: loop) { [unowned self] in self.shutdown() }
            let timer = EventTimer(loop: loop) { [unowned self] in self.publishFigures() }
            figuresTimer = timer
            timer.schedule(after: 0)
        }
        for number in index == 0 ? [SIGTERM, SIGINT] : [] {
            do {
                signalWatchers.append(try SignalWatcher(loop: loop, signal: number) { [unowned self] in self.shutdown() })
            } catch {
                throw .libevent(error)
            }
        }
        if tls != nil && index == 0 {
            do {
                signalWatchers.append(try SignalWatcher(loop: loop, signal: SIGHUP) { [unowned self] in self.reloadCertificate() })
            } catch {
                throw .libevent(error)
            }
        }
        state = .running
        let descriptors = FileDescriptorLimit.raiseToHardLimit()
        if index == 0 {
            logger.info("listening", metadata: ["address": "\(listeningAddress)", "max_fds": "\(descriptors)",
                                                "loops": "\(siblings?.count ?? 1)"])
            if let tlsListener {
                logger.info("tls listening", metadata: ["address": "\(tlsListener.address)"])
            }
            for (dialect, listener) in dialectListeners {
                logger.info("dialect listening", metadata: ["dialect": "\(dialect)", "address": "\(listener.address)"])
            }
            if let metrics {
                logger.info("metrics listening", metadata: ["address": "\(metrics.address)", "paths": "/metrics /healthz"])
            }
        }
        let lagMonitor = LoopLagMonitor(loop: loop)
        self.lagMonitor = lagMonitor
        if configuration.statsInterval > 0 && index == 0 {
            statsReporter = StatsReporter(loop: loop, interval: configuration.statsInterval, logger: logger,
                                          read: { [unowned self] in self.currentStats() },
                                          takeLag: { lagMonitor.takeWorst() })
        }
        if let siblings {
            let start = { [unowned self] in
                self.listener?.start()
                self.tlsListener?.start()
                for (_, listener) in self.dialectListeners { listener.start() }
                // What loop 0 handed over before this loop's node joined waits in the box.
                self.handoffListener = siblings.handoffs[self.index].doorbell.listen(on: self.loop) { [unowned self] in
                    self.adoptHandedOver()
                }
                self.adoptHandedOver()
            }
            if let cluster, configuration.cluster == nil { cluster.onAvailable = start } else { start() }
        }
        cluster?.start()
        loop.run()
        for connection in Array(connections.values) { connection.finish() }
        signalWatchers.removeAll()
        doorbell = nil
        handoffListener = nil
        figuresTimer?.cancel()
        statsReporter?.stop()
        lagMonitor.stop()
        metrics = nil
        state = .stopped
        if index == 0 { logger.info("stopped") }
    }

    /// Stops accepting, says `bye,shutdown` to every client, and stops once all
    /// have drained or the drain timeout has passed. A second call stops at once.
    public func shutdown() {
        switch state {
        case .running:
            state = .draining
        case .draining:
            if index == 0 {
                logger.warning("second stop signal, exiting without waiting", metadata: ["connections": "\(connections.count)"])
                ringSiblings()
            }
            stopAfterSiblings()
            return
        case .initial, .stopped:
            return
        }
        if index == 0 {
            // The others first: from the moment the log says so, no loop serves a new connection.
            ringSiblings()
            logger.info("draining", metadata: ["connections": "\(siblings?.connections.load(ordering: .relaxed) ?? connections.count)"])
        }
        listener?.close()
        listener = nil
        for (_, listener) in dialectListeners { listener.close() }
        dialectListeners.removeAll()
        tlsListener?.close()
        tlsListener = nil
        for connection in Array(connections.values) {
            connection.close(saying: .shutdown, notifyRooms: false)
        }
        guard !connections.isEmpty else { return drained() }
        let timer = EventTimer(loop: loop) { [unowned self] in
            self.logger.warning("drain timeout, closing the rest", metadata: ["connections": "\(self.connections.count)"])
            self.stopAfterSiblings()
        }
        timer.schedule(after: configuration.drainTimeout)
        drainTimer = timer
    }

    /// SIGHUP: new TLS handshakes use the certificate and key as the files now hold them.
    private func reloadCertificate() {
        guard let tls else { return }
        do {
            try tls.reload()
            logger.info("tls certificate reloaded", metadata: ["certificate": "\(tls.certificatePath)"])
        } catch {
            logger.error("tls reload failed, keeping the certificate in use", metadata: ["error": "\(error)"])
        }
    }

    /// A connection on one of loop 0's ports: admitted or refused under the limits, then served
    /// here or, with `--loops` above 1, handed to the next loop in turn.
    private func accept(_ socket: Int32, dialect: Dialect?, tls isTLS: Bool = false) {
        let format = dialect?.formatID ?? .v1
        // Another loop has begun the drain and this one has not heard yet: as a closed listener would.
        if siblings?.isStopping == true { return _ = close(socket) }
        if let siblings {
            guard siblings.admit(limit: configuration.maxConnections) else {
                return refuse(socket, saying: .serverFull, format: format, plain: !isTLS)
            }
        } else if let limit = configuration.maxConnections, connections.count >= limit {
            return refuse(socket, saying: .serverFull, format: format, plain: !isTLS)
        }
        let peer = SocketAddress(peerOf: socket)
        let address = peer.addressBytes
        let counted = configuration.maxConnectionsPerAddress != nil
            && !configuration.exemptAddresses.contains { $0.contains(address) }
        if counted, let limit = configuration.maxConnectionsPerAddress {
            let admitted = siblings.map { $0.admit(address: address, limit: limit) } ?? (connectionsByAddress[address, default: 0] < limit)
            guard admitted else {
                siblings?.release()
                return refuse(socket, saying: .tooManyConnections, format: format, plain: !isTLS)
            }
        }
        let accepted = AcceptedSocket(socket: socket, dialect: dialect, isTLS: isTLS, peer: peer,
                                      countedAddress: counted ? address : nil)
        if let siblings {
            let target = nextLoop
            nextLoop = (nextLoop + 1) % siblings.count
            if target != index { return siblings.handoffs[target].post(accepted) }
        }
        adopt(accepted)
    }

    /// Takes what loop 0 handed this loop; while draining, closes it (as a closed listener would).
    private func adoptHandedOver() {
        guard let siblings else { return }
        for accepted in siblings.handoffs[index].takeAll() {
            guard state == .running else {
                siblings.release()
                if let address = accepted.countedAddress { siblings.release(address: address) }
                close(accepted.socket)
                continue
            }
            adopt(accepted)
        }
    }

    /// Serves an admitted connection on this loop.
    private func adopt(_ accepted: AcceptedSocket) {
        let (socket, dialect, isTLS, peer) = (accepted.socket, accepted.dialect, accepted.isTLS, accepted.peer)
        let counted = accepted.countedAddress != nil, address = accepted.countedAddress ?? []
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        nextConnectionID += 1
        guard let connection = Connection(socket: socket, id: nextConnectionID, server: self, dialect: dialect, peer: peer,
                                          countedAddress: accepted.countedAddress, tls: isTLS ? tls : nil,
                                          answersHTTP: dialect == nil) else {
            logger.error("cannot make the connection's buffers and events, dropping it")
            siblings?.release()
            if counted { siblings?.release(address: address) }
            close(socket)
            return
        }
        connections[connection.id] = connection
        if counted && siblings == nil { connectionsByAddress[address, default: 0] += 1 }
        counters.accepted += 1
        logger.debug("connection opened", metadata: ["id": "\(connection.id)", "loop": "\(index)",
                                                     "dialect": "\(dialect?.description ?? "v1")"])
        connection.opened()
    }

    // MARK: HTTP

    /// Whether a browser page from `origin` may open a WebSocket: `--ws-origins` lists them
    /// (`*`: any); by default only the server's own, the origin whose host is the request's Host.
    func allowsOrigin(_ origin: String, host: String?) -> Bool {
        let allowed = configuration.webSocketOrigins
        if allowed.contains("*") || allowed.contains(origin) { return true }
        guard allowed.isEmpty, let host else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// One over `--max-connections` or `--max-connections-per-address`: `bye,<reason>` (in the
    /// port's dialect), straight into the new socket's empty send buffer (it always fits), then
    /// closed. On the TLS port it is closed without a word: there is no TLS session to say it in.
    private func refuse(_ socket: Int32, saying reason: ByeReason, format: FormatID, plain: Bool) {
        if plain {
            dispatcher.registry.withLines(of: .bye(reason), in: format) {
                _ = Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
        }
        close(socket)
        counters[refused: reason] += 1
        logger.debug("connection refused", metadata: ["reason": "\(reason.rawValue)", "connections": "\(connections.count)"])
    }

    /// Queues a connection over `--max-pending` to be dropped after the current callback:
    /// it may be a recipient in a fan-out that is still walking a room's member list.
    func dropSlowConsumer(_ connection: Connection) {
        slowConsumers.append(connection)
        slowConsumerReaper?.schedule(after: 0)
    }

    private func reapSlowConsumers() {
        let dropped = slowConsumers
        slowConsumers.removeAll()
        for connection in dropped where connection.state == .condemned {
            counters.slowConsumerDrops += 1
            logger.debug("slow consumer dropped", metadata: ["id": "\(connection.id)"])
            connection.close(saying: .slowConsumer, notifyRooms: true)
        }
    }

    /// Called by a connection just before it closes its socket: a client that sees the end of
    /// its stream finds its place free, on whichever loop its next connection lands.
    func releasePlaces(of connection: Connection) {
        siblings?.release()
        if let address = connection.countedAddress {
            if let siblings { siblings.release(address: address) } else {
                let remaining = connectionsByAddress[address, default: 1] - 1
                connectionsByAddress[address] = remaining > 0 ? remaining : nil
            }
        }
    }

    /// Called by a connection once its socket is closed and its buffers freed.
    func connectionFinished(_ connection: Connection) {
        connections[connection.id] = nil
        logger.debug("connection closed", metadata: ["id": "\(connection.id)"])
        if state == .draining && connections.isEmpty { drained() }
    }

    /// Every connection has gone: a node's users leave the cluster (the others hear `quit`
    /// at once), then the loop stops.
    private func drained() {
        guard let cluster else { return stopAfterSiblings() }
        guard !leavingCluster else { return }
        leavingCluster = true
        cluster.leave { [unowned self] in self.stopAfterSiblings() }
    }
}
