import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// Measures event-loop lag: a timer asks to fire every `period`; how late it
/// fires is how long a callback held the loop. Keeps the worst since the last read.
///
/// libevent keeps time with CLOCK_MONOTONIC_COARSE (a 4 ms tick on our kernels), so every
/// timer of an idle server fires up to one tick late, and an idle log line read 4-5 ms.
/// Lateness within that tick is the clock's, not a callback's: it is taken off, so an idle
/// loop reads 0 and a callback that holds the loop for 50 ms still reads about 50.
/// (EVENT_BASE_FLAG_PRECISE_TIMER would make timers exact, but on S2 it cost about 10%
/// more server CPU per message: a timerfd call per pass.)
final class LoopLagMonitor {
    private let period: Double
    private var timer: EventTimer?
    private var expected = 0.0
    private var worst = 0.0

    /// The resolution of libevent's clock.
    private let tick: Double

    init(loop: EventLoop, period: Double = 0.1) {
        self.period = period
        var resolution = timespec()
        clock_getres(CLOCK_MONOTONIC_COARSE, &resolution)
        tick = Double(resolution.tv_sec) + Double(resolution.tv_nsec) / 1e9
        timer = EventTimer(loop: loop) { [unowned self] in self.fired() }
        expected = Self.now() + period
        timer?.schedule(after: period)
    }

    /// The worst lag in seconds since the last ``takeWorst()``, the timer's current delay included.
    var worstLag: Double { max(worst, max(0, Self.now() - expected - tick)) }

    /// ``worstLag``, and a new interval starts.
    func takeWorst() -> Double {
        defer { worst = 0 }
        return worstLag
    }

    func stop() { timer?.cancel() }

    private func fired() {
        let now = Self.now()
        worst = max(worst, now - expected - tick)
        expected = now + period
        timer?.schedule(after: period)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
