#if canImport(Glibc)
import Glibc
#endif
import ChatCore

/// The threaded server's time stamps: `time.asctime` of local time, such as
/// `Tue Dec  1 08:41:40 2026`, written once per second however many lines use it.
struct AsctimeStamp {
    private var second: Int64 = .min
    private var text: [UInt8] = []

    /// Appends the stamp of `millis` since the Unix epoch.
    mutating func append(millis: Int64, to line: inout LineBuilder) {
        let seconds = millis / 1000
        if seconds != second {
            second = seconds
            text = Self.format(seconds: seconds)
        }
        text.withUnsafeBytes { line.append($0) }
    }

    static func format(seconds: Int64) -> [UInt8] {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return buffer.prefix(count).map { UInt8(bitPattern: $0) }
    }
}
