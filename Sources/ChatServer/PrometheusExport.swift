import ChatCluster
import ChatCore
import ChatStore
import Prometheus

/// The server's figures in Prometheus text format, by swift-prometheus.
///
/// The hot path keeps plain integers (``ServerStats``); they are copied into
/// the package's atomics only when scraped.
final class PrometheusExport {
    private let registry = PrometheusCollectorRegistry()
    private let connections, users, rooms, loopLag, residentMemory, draining: Gauge
    private let commands, deliveries, bytesIn, bytesOut, accepted, slowConsumerDrops, registrationTimeouts: Counter
    private let tlsHandshakes, tlsHandshakeFailures: Counter
    private let clusterNodes, redisConnected, redisRoundTrip: Gauge
    private let clusterPublished, clusterReceived, clusterCatchUps, clusterMissed, clusterLost, redisDisconnects: Counter
    private let storeWritten, storeFailed, storeCommits: Counter
    private let storeBacklog: Gauge
    private let errors: [ErrorCode: Counter]
    private let refused: [ByeReason: Counter]

    init() {
        let registry = self.registry
        func gauge(_ namespace: String, _ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: namespace, metricName: name, unitName: unit,
                                                                helpText: help))
        }
        func counter(_ name: String, _ unit: String, _ help: String, labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "chat", metricName: name, unitName: unit,
                                                                  helpText: help), labels: labels)
        }
        connections = gauge("chat", "connections", "", "Open client connections.")
        users = gauge("chat", "users", "", "Registered users.")
        rooms = gauge("chat", "rooms", "", "Rooms with at least one member.")
        loopLag = gauge("chat", "event_loop_lag", "seconds",
                        "Worst delay of the event loop's 100 ms timer since the last throughput line.")
        residentMemory = gauge("process", "resident_memory", "bytes", "Resident memory size in bytes.")
        draining = gauge("chat", "draining", "", "1 while the server drains for shutdown, else 0.")
        commands = counter("commands", "total", "Client lines handled, errors included.")
        deliveries = counter("deliveries", "total", "Lines handed to recipients.")
        bytesIn = counter("received_bytes", "total", "Bytes read from clients.")
        bytesOut = counter("sent_bytes", "total", "Bytes queued for clients.")
        accepted = counter("connections_accepted", "total", "Connections accepted.")
        slowConsumerDrops = counter("slow_consumer_drops", "total", "Connections dropped for not reading their output.")
        registrationTimeouts = counter("registration_timeouts", "total", "Connections closed for not registering in time.")
        tlsHandshakes = counter("tls_handshakes", "total", "TLS handshakes completed.")
        tlsHandshakeFailures = counter("tls_handshake_failures", "total",
                                       "TLS connections closed before their handshake finished: failed, timed out or abandoned.")
        clusterNodes = gauge("chat", "cluster_nodes", "", "Nodes of the cluster with a recent heartbeat, this one included (0 on a single server).")
        redisConnected = gauge("chat", "redis_connected", "", "1 while this node is connected to Redis and its view is written back, else 0.")
        redisRoundTrip = gauge("chat", "redis_round_trip_p99", "seconds", "99th percentile of Redis command round trips over the last second.")
        clusterPublished = counter("cluster_published", "total", "Room messages, direct messages and notices this node sent through Redis.")
        clusterReceived = counter("cluster_received", "total", "Room messages, direct messages and notices that came from Redis.")
        clusterCatchUps = counter("cluster_catch_ups", "total", "Times a room's messages were fetched from its log after a gap or a reconnect.")
        clusterMissed = counter("cluster_missed", "total", "Room messages a catch-up found gone from the log.")
        clusterLost = counter("cluster_lost", "total", "Room messages queued for Redis that it did not accept: the connection went first.")
        redisDisconnects = counter("redis_disconnects", "total", "Times this node lost its connection to Redis.")
        storeWritten = counter("store_written", "total", "Room messages the store wrote to disk (0 without --store sqlite).")
        storeFailed = counter("store_failed", "total", "Room messages the store could not keep: the disk was full or could not be written.")
        storeCommits = counter("store_commits", "total", "Transactions the store's writer committed, each a --store-sync window of messages.")
        storeBacklog = gauge("chat", "store_backlog", "bytes", "Bytes of room messages waiting for the store's writer.")
        var refused: [ByeReason: Counter] = [:]
        for reason in [ByeReason.serverFull, .tooManyConnections] {
            refused[reason] = counter("connections_refused", "total", "Connections closed on accept, by the bye reason they got.",
                                      labels: [("reason", reason.rawValue)])
        }
        self.refused = refused
        var errors: [ErrorCode: Counter] = [:]
        for code in ErrorCode.allCases {
            errors[code] = counter("errors", "total", "Error replies sent, by code.", labels: [("code", code.rawValue)])
        }
        self.errors = errors
    }

    /// The exposition of `stats`.
    func render(_ stats: ServerStats) -> [UInt8] {
        connections.set(to: Double(stats.connections))
        users.set(to: Double(stats.users))
        rooms.set(to: Double(stats.rooms))
        loopLag.set(to: stats.loopLag)
        residentMemory.set(to: Double(stats.residentBytes))
        draining.set(to: stats.draining ? 1 : 0)
        Self.set(commands, stats.commands)
        Self.set(deliveries, stats.deliveries)
        Self.set(bytesIn, stats.transport.bytesIn)
        Self.set(bytesOut, stats.transport.bytesOut)
        Self.set(accepted, stats.transport.accepted)
        Self.set(slowConsumerDrops, stats.transport.slowConsumerDrops)
        Self.set(registrationTimeouts, stats.transport.registrationTimeouts)
        Self.set(tlsHandshakes, stats.transport.tlsHandshakes)
        Self.set(tlsHandshakeFailures, stats.transport.tlsHandshakeFailures)
        for (reason, counter) in refused { Self.set(counter, stats.transport[refused: reason]) }
        for (code, counter) in errors { Self.set(counter, stats.errors[code] ?? 0) }
        let cluster = stats.cluster ?? ClusterFigures()
        clusterNodes.set(to: Double(cluster.nodesAlive))
        redisConnected.set(to: cluster.connected ? 1 : 0)
        redisRoundTrip.set(to: cluster.roundTripP99Ms / 1000)
        Self.set(clusterPublished, cluster.published)
        Self.set(clusterReceived, cluster.received)
        Self.set(clusterCatchUps, cluster.catchUps)
        Self.set(clusterMissed, cluster.missed)
        Self.set(clusterLost, cluster.lost)
        Self.set(redisDisconnects, cluster.disconnects)
        let store = stats.store ?? StoreFigures()
        Self.set(storeWritten, store.written)
        Self.set(storeFailed, store.failed)
        Self.set(storeCommits, store.commits)
        storeBacklog.set(to: Double(store.backlogBytes))
        var text: [UInt8] = []
        registry.emit(into: &text)
        return text
    }

    private static func set(_ counter: Counter, _ total: UInt64) {
        counter.reset()
        counter.increment(by: Int64(clamping: total))
    }
}
