import ChatCluster
import ChatCore

/// Everything the throughput log and the metrics report, read at one instant.
struct ServerStats {
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

    var errorCount: UInt64 { errors.values.reduce(0, +) }
}

extension ChatServer {
    /// The figures as they stand now.
    func currentStats() -> ServerStats {
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
        stats.cluster = cluster?.figures
        return stats
    }
}
