import ChatCluster
import ChatStore
import LibeventKit
import Logging

/// Logs one throughput line every interval: gauges as they are, counters as rates.
final class StatsReporter {
    private let interval: Double
    private let logger: Logger
    private let read: () -> ServerStats
    private let takeLag: () -> Double
    private var timer: EventTimer?
    private var previous: ServerStats

    init(loop: EventLoop, interval: Double, logger: Logger, read: @escaping () -> ServerStats,
         takeLag: @escaping () -> Double) {
        self.interval = interval
        self.logger = logger
        self.read = read
        self.takeLag = takeLag
        previous = read()
        timer = EventTimer(loop: loop) { [unowned self] in self.report() }
        timer?.schedule(after: interval)
    }

    func stop() { timer?.cancel() }

    private func report() {
        var now = read()
        now.loopLag = takeLag()
        logger.info("stats", metadata: Self.fields(now, since: previous, seconds: interval))
        previous = now
        timer?.schedule(after: interval)
    }

    /// The log line's fields; the same names in text and JSON.
    static func fields(_ now: ServerStats, since before: ServerStats, seconds: Double) -> Logger.Metadata {
        func rate(_ after: UInt64, _ earlier: UInt64) -> Logger.MetadataValue {
            .string(format(Double(after &- earlier) / seconds))
        }
        var fields: Logger.Metadata = [
            "connections": "\(now.connections)",
            "users": "\(now.users)",
            "rooms": "\(now.rooms)",
            "commands_per_s": rate(now.commands, before.commands),
            "delivered_per_s": rate(now.deliveries, before.deliveries),
            "bytes_in_per_s": rate(now.transport.bytesIn, before.transport.bytesIn),
            "bytes_out_per_s": rate(now.transport.bytesOut, before.transport.bytesOut),
            "errors_per_s": rate(now.errorCount, before.errorCount),
            "slow_consumer_drops": "\(now.transport.slowConsumerDrops &- before.transport.slowConsumerDrops)",
            "loop_lag_ms": .string(format(now.loopLag * 1000)),
            "rss_bytes": "\(now.residentBytes)",
        ]
        if now.perLoop.count > 1 {
            for (loop, figures) in now.perLoop.enumerated() {
                fields["loop\(loop).connections"] = "\(figures.connections)"
                fields["loop\(loop).lag_ms"] = .string(format(figures.loopLag * 1000))
            }
        }
        if let cluster = now.cluster {
            let earlier = before.cluster ?? ClusterFigures()
            fields["cluster_nodes"] = "\(cluster.nodesAlive)"
            fields["redis_connected"] = cluster.connected ? "1" : "0"
            fields["cluster_published_per_s"] = rate(cluster.published, earlier.published)
            fields["cluster_received_per_s"] = rate(cluster.received, earlier.received)
            fields["redis_rtt_p99_ms"] = .string(format(cluster.roundTripP99Ms))
            fields["cluster_catch_ups"] = "\(cluster.catchUps &- earlier.catchUps)"
            fields["cluster_lost"] = "\(cluster.lost &- earlier.lost)"
        }
        if let store = now.store {
            let earlier = before.store ?? StoreFigures()
            fields["store_written_per_s"] = rate(store.written, earlier.written)
            fields["store_commits_per_s"] = rate(store.commits, earlier.commits)
            fields["store_failed"] = "\(store.failed &- earlier.failed)"
            fields["store_backlog_bytes"] = "\(store.backlogBytes)"
        }
        for (code, count) in now.errors where count != before.errors[code] ?? 0 {
            fields["errors_per_s.\(code.rawValue)"] = rate(count, before.errors[code] ?? 0)
        }
        return fields
    }

    /// At most one decimal, none when whole: `12`, `0.5`.
    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded(.towardZero) ? String(Int(rounded)) : String(rounded)
    }
}
