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
        let p99 = statistics.recentLatency.totalCount > 0 ? statistics.recentLatency.valueAtPercentile(99.0) : 0
        log(now: now, elapsed: elapsed, phase: phase, figures: ProgressFigures(statistics), p99: p99)
        statistics.mergeRecentLatency()
    }

    /// `--threads`: whether a line is due, for figures the threads are then asked for.
    mutating func isDue(now: UInt64) -> Bool {
        if lastMicros == 0 { lastMicros = now }
        return interval > 0 && Double(now - lastMicros) / 1e6 >= interval
    }

    /// `--threads`: logs the line for `figures`, added up over the threads as of `now`, and
    /// the p99 of their latencies since the last line.
    mutating func report(now: UInt64, phase: String, figures: ProgressFigures, p99: UInt64) {
        let elapsed = Double(now > lastMicros ? now - lastMicros : 0) / 1e6
        guard elapsed > 0 else { return }
        log(now: now, elapsed: elapsed, phase: phase, figures: figures, p99: p99)
    }

    private mutating func log(now: UInt64, elapsed: Double, phase: String, figures: ProgressFigures, p99: UInt64) {
        let sentRate = Double(figures.sent - min(lastSent, figures.sent)) / elapsed
        let deliveredRate = Double(figures.delivered - min(lastDelivered, figures.delivered)) / elapsed
        let t = timelineStart.map { now > $0 ? Double(now - $0) / 1e6 : 0 } ?? 0
        logger.info("progress", metadata: [
            "phase": "\(phase)",
            "t": "\(Self.rounded(t))",
            "connected": "\(figures.connected)",
            "registered": "\(figures.registered)",
            "sent_per_s": "\(Int(sentRate))",
            "delivered_per_s": "\(Int(deliveredRate))",
            "p99_us": "\(p99)",
            "errors": "\(figures.errors)",
        ])
        lastMicros = now
        lastSent = figures.sent
        lastDelivered = figures.delivered
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The counters a progress line shows; with `--threads`, added up over the threads.
struct ProgressFigures: Sendable {
    var connected = 0
    var registered = 0
    var sent: UInt64 = 0
    var delivered: UInt64 = 0
    var errors = 0

    init() {}

    init(_ statistics: LoadStatistics) {
        connected = statistics.connected
        registered = statistics.registered
        sent = statistics.sent
        delivered = statistics.delivered
        errors = statistics.errorCount
    }

    mutating func add(_ other: ProgressFigures) {
        connected += other.connected
        registered += other.registered
        sent += other.sent
        delivered += other.delivered
        errors += other.errors
    }
}
