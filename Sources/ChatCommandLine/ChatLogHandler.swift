import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes one line per event to standard error, as
/// `ts=… level=… msg=… key=value…` or as one JSON object with the same keys.
public struct ChatLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let format: LogFormat

    public init(format: LogFormat, level: Logger.Level) {
        self.format = format
        self.logLevel = level
    }

    /// Bootstraps swift-log with this handler, once per process.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { _ in ChatLogHandler(format: format, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", event.level.rawValue), ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, merged[key]!.description)) }
        var text = format == .json ? Self.json(fields) : Self.keyValue(fields)
        text.append("\n")
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// `key=value` pairs; values with spaces, quotes or `=` are quoted.
    static func keyValue(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" }
            return "\(key)=\(needsQuotes ? quoted(value) : value)"
        }.joined(separator: " ")
    }

    /// One JSON object; values that are plain decimal numbers are written as numbers,
    /// so a log pipeline can compute with them.
    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(quoted($0.0)):\(isNumber($0.1) ? $0.1 : quoted($0.1))" }.joined(separator: ",") + "}"
    }

    /// `12`, `-3`, `0.5`: digits with at most one point, no leading zero, at most 15 digits.
    static func isNumber(_ value: String) -> Bool {
        let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), digits.count <= 15,
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return false }
        return parts[0] == "0" || !parts[0].hasPrefix("0")
    }

    /// A JSON string literal (also valid as a quoted logfmt value).
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// UTC time as `2026-11-23T09:40:00.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
