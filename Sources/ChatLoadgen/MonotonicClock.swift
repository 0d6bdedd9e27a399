#if canImport(Glibc)
import Glibc
#endif

/// Microseconds on the monotonic clock: send times and latencies within one process.
enum MonotonicClock {
    static func micros() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
