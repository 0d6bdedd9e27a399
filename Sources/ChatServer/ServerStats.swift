import ChatCluster
import ChatCore
import ChatStore

/// Everything the throughput log and the metrics report, read at one instant.
struct ServerStats: Sendable {
    var connections = 0
    var users = 0
    var rooms = 0
    var commands: UInt64 = 0
    var deliveries: UInt64 = 0
    var errors: [ErrorCode: UInt64] = [:]
    var transport = TransportCounters()
    /// The worst delay of the loop's periodic timer over the last interval, in seconds.
    var loopLag = 0.0
    var residentBytes = 0
    var draining = false
    /// A node of a cluster's figures; nil on a single server.
    var cluster: ClusterFigures?
    /// With `--loops` above 1: each loop's connections and worst lag, by loop.
    var perLoop: [(connections: Int, loopLag: Double)] = []
    /// The process's store (`--store sqlite`), nil without one.
    var store: StoreFigures?

    var errorCount: UInt64 { errors.values.reduce(0, +) }
}

extension ChatServer {
    /// The figures over every loop, with `--loops` above 1: this loop's as they stand now,
    /// the others' as they last published or answered them (``FreshFigures`` asks first).
    func currentStats() -> ServerStats {
        guard let siblings else {
            var stats = localStats()
            stats.store = store?.figures
            return stats
        }
        var all = siblings.figures
        all[index] = localStats()
        var stats = ServerStats(summing: all)
        if let hub = siblings.hub { stats.rooms = hub.roomCount }
        stats.store = store?.figures
        return stats
    }

    /// This loop's own figures.
    func localStats() -> ServerStats {
        var stats = ServerStats()
        stats.connections = connectionCount
        stats.users = dispatcher.registry.userCount
        stats.rooms = dispatcher.registry.roomCount
        stats.commands = dispatcher.commands
        stats.deliveries = dispatcher.registry.deliveries
        stats.errors = dispatcher.errors
        stats.transport = counters
        stats.loopLag = lagMonitor?.worstLag ?? 0
        stats.residentBytes = ResidentMemory.bytes()
        stats.draining = state == .draining
        // A loop's node of the process's hub is no cluster an operator runs: only Redis's is shown.
        stats.cluster = configuration.cluster == nil ? nil : cluster?.figures
        return stats
    }
}

extension ServerStats {
    /// The loops' figures as one server's: counts and totals added, the worst lag, and each loop's own.
    init(summing loops: [ServerStats]) {
        self.init()
        for loop in loops {
            connections += loop.connections
            users += loop.users
            rooms = max(rooms, loop.rooms)
            commands &+= loop.commands
            deliveries &+= loop.deliveries
            for (code, count) in loop.errors { errors[code, default: 0] &+= count }
            transport.add(loop.transport)
            loopLag = max(loopLag, loop.loopLag)
            residentBytes = max(residentBytes, loop.residentBytes)
            draining = draining || loop.draining
            // The first node's figures as they are: `connected` holds only while every node's does.
            if let figures = loop.cluster { cluster = cluster.map { $0.adding(figures) } ?? figures }
            perLoop.append((loop.connections, loop.loopLag))
        }
    }
}
