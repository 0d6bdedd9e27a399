import ChatCluster
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `--loops N`: N event loops in one process, each on its own thread with its own
/// listeners (SO_REUSEPORT: the kernel spreads connections over them), its own
/// connections and its own registry, joined by a ``LoopHub`` as nodes are joined by Redis
/// (or, with `--redis`, each loop a node of that cluster).
extension ChatServer {
    /// Serves with `configuration.loops` loops until SIGTERM or SIGINT, then drains every
    /// loop and returns once all have stopped.
    public static func serve(configuration: ServerConfiguration, logger: Logger) throws(ServerError) {
        let count = max(1, configuration.loops)
        guard count > 1 else { return try ChatServer(configuration: configuration, logger: logger).run() }
        let siblings = LoopSiblings(count: count, hub: configuration.cluster == nil ? LoopHub() : nil)
        let first = try ChatServer(configuration: configuration, logger: logger, index: 0, siblings: siblings)
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
                    try ChatServer(configuration: configuration, logger: logger, index: index, siblings: siblings).run()
                } catch {
                    logger.critical("a loop cannot start", metadata: ["loop": "\(index)", "error": "\(error)"])
                    exit(1)
                }
            }
        }
        try first.run()
        for thread in threads { thread.join() }
    }

    /// Tells every other loop to drain (or, the second time, to stop at once).
    func ringSiblings() {
        guard let siblings else { return }
        for (other, doorbell) in siblings.doorbells.enumerated() where other != index { doorbell.ring() }
    }

    /// Every 100 ms: this loop's figures, where loop 0's log line and `/metrics` read them.
    func publishFigures() {
        guard let siblings else { return }
        let figures = localStats()
        siblings.figures.withLock { $0[index] = figures }
        figuresTimer?.schedule(after: 0.1)
    }
}
