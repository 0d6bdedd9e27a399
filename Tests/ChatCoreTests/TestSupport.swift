@testable import ChatCore

/// An in-memory ``Endpoint``: records every line sent to it, as text.
final class RecordingEndpoint: Endpoint {
    /// Every line received, without its LF, in order.
    private(set) var lines: [String] = []
    /// The raw bytes received, to check that every send ends in LF.
    private(set) var bytes: [UInt8] = []
    /// How many times `closeAfterFlush` was called.
    private(set) var closeCount = 0

    var closedAfterFlush: Bool { closeCount > 0 }

    func send(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        var text = String(decoding: chunk, as: UTF8.self)
        precondition(text.hasSuffix("\n"), "a send must end with LF")
        text.removeLast()
        lines.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    func closeAfterFlush() { closeCount += 1 }

    func clear() { lines.removeAll() }
}

/// One connection in a ``ChatHarness``: send lines in, read `lines` back.
final class Client {
    let endpoint = RecordingEndpoint()
    let session: Session
    private let dispatcher: Dispatcher

    init(dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
        self.session = Session(endpoint: endpoint)
    }

    /// Everything received so far, one entry per line, LF removed.
    var lines: [String] { endpoint.lines }

    /// Hands one complete line (no LF) to the dispatcher.
    func send(_ line: String) { send(bytes: Array(line.utf8)) }

    func send(bytes: [UInt8]) {
        bytes.withUnsafeBytes { dispatcher.handle(line: $0, from: session) }
    }

    /// Sends `line` and returns only the lines it produced for this client.
    @discardableResult
    func reply(to line: String) -> [String] {
        let before = lines.count
        send(line)
        return Array(lines[before...])
    }

    /// The lines received since the last call to `take()` (or since the start).
    func take() -> [String] {
        defer { endpoint.clear() }
        return lines
    }

    func disconnect(notify: Bool = true) { dispatcher.disconnect(session, notify: notify) }
}

/// A registry and dispatcher with a controllable clock, plus a few helpers.
final class ChatHarness {
    static let epoch: Int64 = 1_700_000_000_000

    let registry: Registry
    let dispatcher: Dispatcher
    /// What the injected clock returns next.
    var now: Int64 = ChatHarness.epoch
    /// Keeps every client (and so its endpoint) alive: sessions hold them unowned.
    private(set) var clients: [Client] = []

    init(history: Int = 10, maxLine: Int = 4096) {
        registry = Registry(historyLimit: history)
        let box = ClockBox()
        dispatcher = Dispatcher(registry: registry, maxLine: maxLine, clock: { box.now })
        clockBox = box
    }

    private let clockBox: ClockBox

    /// Sets the time the next `say` is stamped with.
    func setClock(_ millis: Int64) { clockBox.now = millis }

    func connect() -> Client {
        let client = Client(dispatcher: dispatcher)
        clients.append(client)
        return client
    }

    /// A client registered as `name`, with its `ack` already consumed.
    func registered(_ name: String) -> Client {
        let client = connect()
        client.send("register,\(name)")
        precondition(client.take() == ["ack,\(name)"], "could not register \(name)")
        return client
    }

    /// Forgets what every client has received so far.
    func clearAll() { clients.forEach { _ = $0.take() } }
}

private final class ClockBox {
    var now: Int64 = ChatHarness.epoch
}

extension [String] {
    /// The fields of a `list,...`/`rooms,...`/`who,<room>,...` line after `prefix`, sorted.
    static func fields(of line: String, after prefix: String) -> [String]? {
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        if rest.isEmpty { return [] }
        guard rest.first == "," else { return nil }
        return rest.dropFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init).sorted()
    }
}
