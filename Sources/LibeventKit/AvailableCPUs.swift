#if canImport(Glibc)
import Glibc
#endif

/// How many CPUs this process may use: its affinity mask, bounded by its cgroup's CPU
/// quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` over `cpu.cfs_period_us`), so a
/// container limited to 2 CPUs counts 2 on a 16-core host.
public enum AvailableCPUs {
    public static func count() -> Int {
        max(1, min(affinity() ?? sysconf(Int32(_SC_NPROCESSORS_ONLN)), quota() ?? .max))
    }

    /// The CPUs in the affinity mask, from `Cpus_allowed` in /proc/self/status (a hex mask
    /// in comma-separated words; Glibc's `sched_getaffinity` is not visible to Swift).
    static func affinity() -> Int? {
        guard let status = contents(of: "/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        return affinity(mask: String(line.dropFirst("Cpus_allowed:".count)))
    }

    static func affinity(mask: String) -> Int? {
        var bits = 0
        for character in mask where character != "," && !character.isWhitespace {
            guard let nibble = character.hexDigitValue else { return nil }
            bits += nibble.nonzeroBitCount
        }
        return bits > 0 ? bits : nil
    }

    /// The quota in whole CPUs, rounded up; nil when there is none.
    static func quota() -> Int? {
        if let line = contents(of: "/sys/fs/cgroup/cpu.max") {
            return quota(cgroupV2: line)
        }
        guard let quota = contents(of: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us").flatMap({ Int(trimmed($0)) }),
              let period = contents(of: "/sys/fs/cgroup/cpu/cpu.cfs_period_us").flatMap({ Int(trimmed($0)) }),
              quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    /// `max 100000` (no quota) or `200000 100000` (2 CPUs).
    static func quota(cgroupV2 line: String) -> Int? {
        let fields = line.split(separator: " ").map(trimmed)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return (quota + period - 1) / period
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// A small file of /proc or /sys, whole; nil when it cannot be read.
    private static func contents(of path: String) -> String? {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
