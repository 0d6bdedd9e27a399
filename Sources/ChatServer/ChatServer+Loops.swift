import ChatCluster
import ChatStore
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `--loops N`: N event loops in one process, each on its own thread with its own
/// connections and its own registry, joined by a ``LoopHub`` as nodes are joined by Redis
/// (or, with `--redis`, each loop a node of that cluster). Loop 0 alone listens: it accepts,
/// applies the connection limits in the order the connections came, and hands each admitted
/// socket to a loop in turn (``SocketHandoff``).
extension ChatServer {
    /// Serves with `configuration.loops` loops until SIGTERM or SIGINT, then drains every
    /// loop and returns once all have stopped.
    public static func serve(configuration: ServerConfiguration, logger: Logger) throws(ServerError) {
        let store = try openStore(configuration: configuration, logger: logger)
        // Once every loop has stopped: what they kept is written before the process exits.
        defer { store.map { closeStore($0, logger: logger) } }
        let count = max(1, configuration.loops)
        guard count > 1 else { return try ChatServer(configuration: configuration, logger: logger, store: store).run() }
        var tls: TLSContext?
        if configuration.tlsPort != nil, let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            tls = try TLSContext(certificate: certificate, key: key)
        }
        let hub = configuration.cluster == nil
            ? LoopHub(loops: count, historyLimit: max(configuration.history, configuration.limits.resumeMax),
                      maxRooms: configuration.limits.maxRooms, archive: store) : nil
        let siblings = LoopSiblings(count: count, hub: hub, tls: tls)
        let first = try ChatServer(configuration: configuration, logger: logger, index: 0, siblings: siblings, store: store)
        // Port 0 picks a free port once: the other loops bind the one the first loop got.
        var others = configuration
        let ports = first.boundPorts
        if let chat = ports.chat { others.port = chat }
        if let tls = ports.tls { others.tlsPort = tls }
        for (dialect, port) in ports.dialects { others.dialectPorts[dialect] = port }
        let threads = (1..<count).map { index in
            let configuration = others
            return LoopThread(name: "chat-loop-\(index)") {
                do {
                    try ChatServer(configuration: configuration, logger: logger, index: index, siblings: siblings).runAnsweringForFigures()
                } catch {
                    logger.critical("a loop cannot start", metadata: ["loop": "\(index)", "error": "\(error)"])
                    exit(1)
                }
            }
        }
        try first.runAnsweringForFigures()
        for thread in threads { thread.join() }
    }

    /// ``run()``, this loop answering the others' asks for its figures meanwhile, and with
    /// its final figures once it has stopped.
    private func runAnsweringForFigures() throws(ServerError) {
        guard let siblings else { return try run() }
        let answerer = FigureAnswerer(server: self, siblings: siblings)
        defer { answerer.retire() }
        try run()
    }

    /// Tells every other loop to drain (or, the second time, to stop at once).
    func ringSiblings() {
        guard let siblings else { return }
        siblings.beginStopping()
        for (other, doorbell) in siblings.doorbells.enumerated() where other != index { doorbell.ring() }
    }

    /// Stops this loop's ``EventLoop``; loop 0, which holds the signals, the metrics port and
    /// the log, only once every other loop has stopped: until then a second signal, `/healthz`
    /// and `/metrics` are still answered while the others drain.
    func stopAfterSiblings() {
        guard index == 0, let siblings, !siblings.othersStopped(except: 0) else { return loop.stop() }
        // Loop 0's figure answerer stops it when the last of the others has rung.
        siblings.lastToStop.store(true, ordering: .relaxed)
    }

    /// Every 100 ms: this loop's figures, where loop 0's log line reads them. (`/metrics`
    /// asks every loop for its figures as they are: ``FreshFigures``.)
    func publishFigures() {
        guard let siblings else { return }
        siblings.publish(localStats(), from: index)
        figuresTimer?.schedule(after: 0.1)
    }
}
