import CLibevent
import LibeventKit
import ChatCluster
import ChatCore
import ChatDialects
import ChatStore
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

    public internal(set) var state = State.initial
    public let configuration: ServerConfiguration
    let loop: EventLoop
    let dispatcher: Dispatcher
    let dialects: Dialects
    let logger: Logger
    var listener: Listener?
    var dialectListeners: [(dialect: Dialect, listener: Listener)] = []
    var tlsListener: Listener?
    /// The format of WebSocket sessions: v1 lines as text frames.
    let webSocketFormatID: FormatID
    /// The largest WebSocket message taken in: a larger one closes the connection (1009); one
    /// over `--max-line` but within this is answered `error,line-too-long` like a long line.
    var webSocketMaxMessage: Int { max(4 * configuration.maxLine, 65536) }
    /// `GET /stats` listeners.
    private(set) var eventStreams: EventStreams?
    /// The certificate and key for the TLS port; SIGHUP loads them again.
    let tls: TLSContext?
    var connections: [Int: Connection] = [:]
    var nextConnectionID = 0
    private var signalWatchers: [SignalWatcher] = []
    var drainTimer: EventTimer?
    var leavingCluster = false
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
    /// This process (or this loop of it) as a node of a Redis cluster (`--redis`): the
    /// dispatcher's world.
    let cluster: ClusterNode?
    /// This loop as one of several joined by their hub (`--loops` above 1, no `--redis`): the
    /// dispatcher's world. Both nil with one loop, whose world is a ``LocalWorld``.
    let hub: HubWorld?
    /// The process's store (`--store sqlite`): its figures for `/metrics` and the log.
    let store: SQLiteArchive?

    /// Which of the process's loops this is (0 owns the signals, the metrics port and the log line).
    let index: Int
    /// The other loops, with `--loops` above 1.
    let siblings: LoopSiblings?
    /// The connection limits: the process's, shared by its loops.
    let admission: Admission
    private var doorbell: DoorbellListener?
    /// Rung when loop 0 hands this loop connections (`--loops` above 1).
    var handoffListener: DoorbellListener?
    /// Loop 0: the loop the next admitted connection goes to.
    var nextLoop = 0
    var figuresTimer: EventTimer?

    /// Binds the listening socket; throws when the address is bad or in use.
    init(configuration: ServerConfiguration, logger: Logger, index: Int, siblings: LoopSiblings?,
         store: SQLiteArchive? = nil) throws(ServerError) {
        self.configuration = configuration
        self.store = store
        maxPending = configuration.maxPending ?? .max
        self.logger = logger
        self.index = index
        self.siblings = siblings
        admission = siblings?.admission ?? Admission()
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
        webSocketFormatID = FormatID(index: 2 + dialects.formats.count)
        dispatcher = Dispatcher(registry: Registry(historyLimit: configuration.history, recordLimit: configuration.limits.resumeMax,
                                                   otherFormats: dialects.formats + [WebSocketFormat(protocolVersion: 1),
                                                                                     WebSocketFormat(protocolVersion: 2)]),
                                maxLine: configuration.maxLine, limits: configuration.limits, clock: clock)
        // A WebSocket client that says `hello,2` gets version 2 lines in its frames.
        dispatcher.registry.version2Formats[webSocketFormatID] = FormatID(index: webSocketFormatID.index + 1)
        pendingWrites = PendingWrites(loop: loop, registry: dispatcher.registry)
        if let clusterConfiguration = configuration.cluster {
            let node = ClusterNode(configuration: clusterConfiguration, registry: dispatcher.registry, loop: loop, logger: logger)
            dispatcher.world = node
            cluster = node
            hub = nil
        } else if let shared = siblings?.hub {
            let world = HubWorld(hub: shared, index: index, registry: dispatcher.registry, loop: loop)
            dispatcher.world = world
            hub = world
            cluster = nil
        } else {
            dispatcher.world = LocalWorld(registry: dispatcher.registry, limits: configuration.limits, archive: store)
            cluster = nil
            hub = nil
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
    public convenience init(configuration: ServerConfiguration, logger: Logger, store: SQLiteArchive? = nil) throws(ServerError) {
        try self.init(configuration: configuration, logger: logger, index: 0, siblings: nil, store: store)
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
            listener?.start()
            tlsListener?.start()
            for (_, listener) in dialectListeners { listener.start() }
            // What loop 0 handed over before this loop ran waits in the box.
            handoffListener = siblings.handoffs[index].doorbell.listen(on: loop) { [unowned self] in self.adoptHandedOver() }
            adoptHandedOver()
        }
        cluster?.start()
        if siblings != nil { logger.debug("loop running", metadata: ["loop": "\(index)"]) }
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

    // MARK: HTTP

    /// Whether a browser page from `origin` may open a WebSocket: `--ws-origins` lists them
    /// (`*`: any); by default only the server's own, the origin whose host is the request's Host.
    func allowsOrigin(_ origin: String, host: String?) -> Bool {
        let allowed = configuration.webSocketOrigins
        if allowed.contains("*") || allowed.contains(origin) { return true }
        guard allowed.isEmpty, let host else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
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

    /// Called by a connection once its socket is closed and its buffers freed.
    func connectionFinished(_ connection: Connection) {
        connections[connection.id] = nil
        logger.debug("connection closed", metadata: ["id": "\(connection.id)"])
        if state == .draining && connections.isEmpty { drained() }
    }
}
