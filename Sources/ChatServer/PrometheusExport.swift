import ChatCore
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
        var text: [UInt8] = []
        registry.emit(into: &text)
        return text
    }

    private static func set(_ counter: Counter, _ total: UInt64) {
        counter.reset()
        counter.increment(by: Int64(clamping: total))
    }
}
