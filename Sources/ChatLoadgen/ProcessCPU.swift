#if canImport(Glibc)
import Glibc
#endif

/// The CPU time this process has used so far, every thread together: the report gives
/// what the run used as the generator's own CPU, so that a run shows whether the generator
/// was busy.
enum ProcessCPU {
    /// User plus system seconds (getrusage, RUSAGE_SELF).
    static func seconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1e6
    }
}
