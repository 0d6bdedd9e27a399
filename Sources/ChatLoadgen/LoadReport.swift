import Histogram

/// What a load run measured, for people (``table()``) or programs (``json()``).
public struct LoadReport: Sendable {
    /// How the connections carried the protocol: tcp, tls, ws or wss.
    public var transport: LoadTransport
    /// Each target, in `--host` order, with its users and how many of them connected.
    public var targets: [TargetShare]
    public var users: Int
    public var connected: Int
    public var registered: Int
    public var connectFailures: Int
    public var disconnects: Int
    public var sent: UInt64
    public var expected: UInt64
    public var delivered: UInt64
    public var duplicated: UInt64 = 0
    public var reordered: UInt64 = 0
    /// Protocol v2: room message ids that never reached a member (each also counts as lost).
    public var gaps: UInt64 = 0
    /// `--reconnect-every`: connections dropped and resumed, and the messages the resumes replayed.
    public var resumes: UInt64 = 0
    public var replayed: UInt64 = 0
    public var errors: [String: Int]
    /// Seconds from the first connection until every user was ready (or setup timed out).
    public var setupSeconds = 0.0
    /// Seconds of sending.
    public var sendSeconds = 0.0
    /// Seconds from the end of sending until the last delivery arrived or the drain gave up.
    public var drainSeconds = 0.0
    public var latencyMicros: (p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64)
    /// Set when the run stopped early.
    public var abortReason: String?
    /// Users that quit and came back during the run (`--churn`).
    public var churned = 0
    /// Stuck readers the server dropped, as it should (`--stuck-readers`).
    public var stuckDropped = 0
    /// Event loops the users were spread over, each on its own thread (`--threads`).
    public var threads = 1
    /// The generator's own CPU: user plus system seconds of the whole process, every thread
    /// (getrusage), and wall seconds, both from the run's start to its report.
    public var cpuSeconds = 0.0
    public var wallSeconds = 0.0

    init(configuration: LoadConfiguration, statistics: LoadStatistics) {
        transport = configuration.transport
        let shares = LoadTarget.shares(users: configuration.users, targets: configuration.targets.count)
        targets = configuration.targets.indices.map { index in
            let connected = statistics.connectedByTarget.indices.contains(index) ? statistics.connectedByTarget[index] : 0
            return TargetShare(target: configuration.targets[index], users: shares[index], connected: connected)
        }
        users = configuration.users
        connected = statistics.connected
        registered = statistics.registered
        connectFailures = statistics.connectFailures
        disconnects = statistics.disconnects
        sent = statistics.sent
        expected = statistics.expected
        delivered = statistics.delivered
        errors = statistics.errors
        let latency = statistics.latency
        latencyMicros = latency.totalCount == 0 ? (0, 0, 0, 0, 0) : (
            latency.valueAtPercentile(50), latency.valueAtPercentile(90), latency.valueAtPercentile(99),
            latency.valueAtPercentile(99.9), latency.max
        )
    }

    /// Messages that should have arrived and did not.
    public var lost: UInt64 {
        let unique = delivered - min(delivered, duplicated)
        return expected > unique ? expected - unique : 0
    }

    public var sentPerSecond: Double { sendSeconds > 0 ? Double(sent) / sendSeconds : 0 }
    public var deliveredPerSecond: Double { sendSeconds > 0 ? Double(delivered) / sendSeconds : 0 }
    public var registrationsPerSecond: Double { setupSeconds > 0 ? Double(registered) / setupSeconds : 0 }
    /// The generator's CPU over its wall time: 1 is one core busy for the whole run; near
    /// `threads` means the generator, not the server, may be what bounds the figures.
    public var cpuShare: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }

    /// True when every user connected and registered, and nothing was lost,
    /// duplicated, reordered or answered with an error.
    public var passed: Bool {
        abortReason == nil && connected == users && registered == users && disconnects == 0
            && lost == 0 && duplicated == 0 && reordered == 0 && gaps == 0 && errors.isEmpty
    }

    private var rows: [(String, String)] {
        [
            ("users", "\(users)"), ("threads", "\(threads)"), ("connected", "\(connected)"),
            ("registered", "\(registered)"),
            ("connect_failures", "\(connectFailures)"), ("disconnects", "\(disconnects)"),
            ("sent", "\(sent)"), ("expected", "\(expected)"), ("delivered", "\(delivered)"),
            ("lost", "\(lost)"), ("duplicated", "\(duplicated)"), ("reordered", "\(reordered)"), ("gaps", "\(gaps)"), ("resumes", "\(resumes)"), ("replayed", "\(replayed)"),
            ("errors", "\(errors.values.reduce(0, +))"), ("churned", "\(churned)"), ("stuck_dropped", "\(stuckDropped)"),
            ("setup_s", Self.format(setupSeconds)), ("registrations_per_s", Self.format(registrationsPerSecond)),
            ("send_s", Self.format(sendSeconds)), ("drain_s", Self.format(drainSeconds, digits: 2)),
            ("sent_per_s", Self.format(sentPerSecond)), ("delivered_per_s", Self.format(deliveredPerSecond)),
            ("latency_p50_us", "\(latencyMicros.p50)"), ("latency_p90_us", "\(latencyMicros.p90)"),
            ("latency_p99_us", "\(latencyMicros.p99)"), ("latency_p999_us", "\(latencyMicros.p999)"),
            ("latency_max_us", "\(latencyMicros.max)"),
            ("generator_cpu_s", Self.format(cpuSeconds, digits: 2)), ("generator_wall_s", Self.format(wallSeconds, digits: 2)),
            ("generator_cpu_share", Self.format(cpuShare, digits: 2)),
        ]
    }

    /// A two-column table for people, with the targets' shares on one line, errors by code and the verdict.
    public func table() -> String {
        var lines = ["transport".padding(to: 22) + transport.rawValue]
        lines.append("targets".padding(to: 22) + targets.map(\.cell).joined(separator: " "))
        lines += rows.map { key, value in key.padding(to: 22) + value }
        for code in errors.keys.sorted() { lines.append("  error \(code)".padding(to: 22) + "\(errors[code]!)") }
        if let abortReason { lines.append("stopped".padding(to: 22) + abortReason) }
        lines.append("result".padding(to: 22) + (passed ? "PASS" : "FAIL"))
        return lines.joined(separator: "\n")
    }

    /// One JSON object with every figure, the targets with their users, errors by code, and `passed`.
    public func json() -> String {
        var fields = ["\"transport\":\(Self.jsonString(transport.rawValue))"]
        fields.append("\"targets\":[" + targets.map(\.json).joined(separator: ",") + "]")
        fields += rows.map { "\"\($0.0)\":\($0.1)" }
        fields[fields.firstIndex { $0.hasPrefix("\"errors\"") }!] = "\"errors\":{"
            + errors.keys.sorted().map { "\"\($0)\":\(errors[$0]!)" }.joined(separator: ",") + "}"
        if let abortReason { fields.append("\"stopped\":\(Self.jsonString(abortReason))") }
        fields.append("\"passed\":\(passed)")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `value` to `digits` decimals (one by default), without trailing zeros: valid JSON either way.
    static func format(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

extension LoadReport {
    /// The run's phases from the monotonic clock (microseconds; a phase that did not begin
    /// counts 0), and the process's CPU since `startCPUSeconds`, up to now.
    mutating func time(start: UInt64, setupEnd: UInt64, sendStart: UInt64, sendEnd: UInt64, drainEnd: UInt64,
                       startCPUSeconds: Double) {
        setupSeconds = Double(setupEnd > start ? setupEnd - start : 0) / 1e6
        sendSeconds = Double(sendEnd > sendStart && sendStart > 0 ? sendEnd - sendStart : 0) / 1e6
        drainSeconds = Double(drainEnd > sendEnd && sendEnd > 0 ? drainEnd - sendEnd : 0) / 1e6
        cpuSeconds = max(0, ProcessCPU.seconds() - startCPUSeconds)
        let now = MonotonicClock.micros()
        wallSeconds = Double(now > start ? now - start : 0) / 1e6
    }
}
