import Histogram

/// Counters shared by every simulated user; touched only on the loop's thread.
final class LoadStatistics {
    var connected = 0
    var registered = 0
    var ready = 0
    var connectFailures = 0
    /// Connections the server closed or lost while the run still needed them.
    var disconnects = 0
    var sent: UInt64 = 0
    var expected: UInt64 = 0
    var delivered: UInt64 = 0
    var errors: [String: Int] = [:]
    /// Every latency of the run, in microseconds.
    var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    /// Latencies since the last progress line.
    var recentLatency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    var errorCount: Int { errors.values.reduce(0, +) }

    func recordLatency(_ micros: UInt64) {
        latency.record(micros)
        recentLatency.record(micros)
    }
}
