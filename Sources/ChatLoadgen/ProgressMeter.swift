import Logging

/// Logs one progress line per interval: connected, registered, sent/s, delivered/s,
/// p99 of the interval, errors; the lines double as the run's timeline for charts.
struct ProgressMeter {
    let logger: Logger
    var interval = 1.0
    private var lastMicros: UInt64 = 0
    private var lastSent: UInt64 = 0
    private var lastDelivered: UInt64 = 0
    private var timelineStart: UInt64?

    init(logger: Logger, interval: Double = 1.0) {
        self.logger = logger
        self.interval = interval
    }

    /// Measures the timeline's `t` from the start of sending.
    mutating func startTimeline(at micros: UInt64) { timelineStart = micros }

    /// Logs a progress line when one is due (every second when progress lines are off, silently,
    /// so that the run's latency histogram keeps up).
    mutating func reportIfDue(now: UInt64, phase: String, statistics: LoadStatistics) {
        if lastMicros == 0 { lastMicros = now }
        let elapsed = Double(now - lastMicros) / 1e6
        guard elapsed >= (interval > 0 ? interval : 1) else { return }
        guard interval > 0 else {
            statistics.mergeRecentLatency()
            lastMicros = now
            return
        }
        let sentRate = Double(statistics.sent - lastSent) / elapsed
        let deliveredRate = Double(statistics.delivered - lastDelivered) / elapsed
        let p99 = statistics.recentLatency.totalCount > 0 ? statistics.recentLatency.valueAtPercentile(99.0) : 0
        let t = timelineStart.map { Double(now - $0) / 1e6 } ?? 0
        logger.info("progress", metadata: [
            "phase": "\(phase)",
            "t": "\(Self.rounded(t))",
            "connected": "\(statistics.connected)",
            "registered": "\(statistics.registered)",
            "sent_per_s": "\(Int(sentRate))",
            "delivered_per_s": "\(Int(deliveredRate))",
            "p99_us": "\(p99)",
            "errors": "\(statistics.errorCount)",
        ])
        statistics.mergeRecentLatency()
        lastMicros = now
        lastSent = statistics.sent
        lastDelivered = statistics.delivered
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
