import Logging

/// When a drain is over, for one thread's generator or the coordinator of several, from the
/// deliveries expected and received so far: once all have arrived, or once none has come for
/// `--drain-idle` seconds. (`--drain-timeout`, the safety net, is each thread's own.)
struct DrainWatch {
    enum End { case complete, idle, timedOut }

    private let idleSeconds: Double
    private var delivered: UInt64
    private var progressMicros: UInt64

    /// A drain that starts `now`, with `delivered` deliveries in.
    init(idleSeconds: Double, delivered: UInt64, now: UInt64) {
        self.idleSeconds = idleSeconds
        self.delivered = delivered
        progressMicros = now
    }

    /// How the drain ends now, or nil while it goes on.
    mutating func end(delivered: UInt64, expected: UInt64, now: UInt64) -> End? {
        if delivered >= expected { return .complete }
        if delivered != self.delivered {
            self.delivered = delivered
            progressMicros = now
            return nil
        }
        return Double(now - progressMicros) / 1e6 >= idleSeconds ? .idle : nil
    }

    /// Says why a drain ended with deliveries missing (nothing for a complete one).
    static func log(_ end: End, missing: UInt64, configuration: LoadConfiguration, logger: Logger) {
        switch end {
        case .complete: break
        case .idle:
            logger.warning("drain ended: no delivery for --drain-idle seconds",
                           metadata: ["missing": "\(missing)", "drain_idle_s": "\(configuration.drainIdle)"])
        case .timedOut:
            logger.warning("drain ended at --drain-timeout with deliveries still arriving",
                           metadata: ["missing": "\(missing)", "drain_timeout_s": "\(configuration.drainTimeout)"])
        }
    }
}
