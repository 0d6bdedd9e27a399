import LibeventKit

/// The `GET /stats` listeners and the timer that feeds them: one `data:` event a second
/// holding the throughput line's own figures (``StatsReporter/fields(_:since:seconds:)``)
/// as a JSON object of numbers. The timer runs only while someone listens.
final class EventStreams {
    /// The figures an event carries: the web client's server panel shows them.
    static let fields = ["connections", "users", "rooms", "delivered_per_s", "commands_per_s", "loop_lag_ms"]

    private let loop: EventLoop
    private let read: () -> ServerStats
    private var streams: [Int: Connection] = [:]
    private var timer: EventTimer?
    private var last: (stats: ServerStats, at: Double)?

    init(loop: EventLoop, read: @escaping () -> ServerStats) {
        self.loop = loop
        self.read = read
    }

    func add(_ connection: Connection) {
        streams[connection.id] = connection
        guard timer == nil else { return }
        let timer = EventTimer(loop: loop) { [unowned self] in self.feed() }
        self.timer = timer
        last = (read(), now)
        timer.schedule(after: 1)
    }

    func remove(_ connection: Connection) {
        streams[connection.id] = nil
    }

    private var now: Double { Double(loop.cachedMillis) / 1000 }

    private func feed() {
        guard !streams.isEmpty, let (before, then) = last else {
            timer = nil
            return
        }
        let stats = read(), at = now
        last = (stats, at)
        let figures = StatsReporter.fields(stats, since: before, seconds: max(0.001, at - then))
        let json = Self.fields.map { key in "\"\(key)\":\(figures[key].map { "\($0)" } ?? "0")" }.joined(separator: ",")
        Array("data: {\(json)}\n\n".utf8).withUnsafeBytes { event in
            for connection in streams.values { connection.send(event) }
        }
        timer?.schedule(after: 1)
    }
}
