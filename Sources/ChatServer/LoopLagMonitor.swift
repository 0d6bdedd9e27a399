import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// Measures event-loop lag: a timer asks to fire every `period`; how late it
/// fires is how long a callback held the loop. Keeps the worst since the last read.
final class LoopLagMonitor {
    private let period: Double
    private var timer: EventTimer?
    private var expected = 0.0
    private var worst = 0.0

    init(loop: EventLoop, period: Double = 0.1) {
        self.period = period
        timer = EventTimer(loop: loop) { [unowned self] in self.fired() }
        expected = Self.now() + period
        timer?.schedule(after: period)
    }

    /// The worst lag in seconds since the last ``takeWorst()``, the timer's current delay included.
    var worstLag: Double { max(worst, max(0, Self.now() - expected)) }

    /// ``worstLag``, and a new interval starts.
    func takeWorst() -> Double {
        defer { worst = 0 }
        return worstLag
    }

    func stop() { timer?.cancel() }

    private func fired() {
        let now = Self.now()
        worst = max(worst, now - expected)
        expected = now + period
        timer?.schedule(after: period)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
