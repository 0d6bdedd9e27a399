import Histogram

/// Counters shared by every simulated user; touched only on the loop's thread (with
/// `--threads`, each thread has its own, added up at the end).
///
/// The per-delivery fields skip dynamic exclusivity checks: nothing here is
/// accessed reentrantly, and the checks were about 9% of the generator's time
/// when receiving millions of lines a second.
final class LoadStatistics {
    var connected = 0
    var registered = 0
    var ready = 0
    var connectFailures = 0
    /// Per target, in `--host` order: users whose first connection opened, and users whose
    /// first connection failed (churners' reconnections are not counted).
    var connectedByTarget: [Int] = [0]
    var connectFailedByTarget: [Int] = [0]
    /// Connections the server closed or lost while the run still needed them.
    var disconnects = 0
    @exclusivity(unchecked) var sent: UInt64 = 0
    @exclusivity(unchecked) var expected: UInt64 = 0
    /// Messages that arrived for the first time (repeats are the delivery checks' to count).
    @exclusivity(unchecked) var delivered: UInt64 = 0
    var errors: [String: Int] = [:]
    /// Every latency of the run until the last ``mergeRecentLatency()``, in microseconds.
    private(set) var latency = LoadStatistics.makeHistogram()
    /// Latencies since the last ``mergeRecentLatency()``.
    @exclusivity(unchecked) private(set) var recentLatency = LoadStatistics.makeHistogram()

    /// An empty latency histogram: microseconds up to ten minutes, three significant digits
    /// (every one of a run's histograms has this layout, so that they can be added together).
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    var errorCount: Int { errors.values.reduce(0, +) }

    @inline(__always)
    func recordLatency(_ micros: UInt64) {
        _ = recentLatency.record(micros)
    }

    /// Folds the recent latencies into the run's and starts a new interval;
    /// one merge a second costs less than recording every value twice.
    func mergeRecentLatency() {
        latency.add(recentLatency)
        recentLatency.reset()
    }

    /// Adds another thread's latencies to the run's (`--threads`).
    func absorb(latency other: Histogram<UInt64>) {
        latency.add(other)
    }
}
