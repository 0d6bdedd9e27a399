import Testing
@testable import ChatCore

/// An in-memory ``Session``: records every line sent to it, as text.
final class RecordingSession: Session {
    /// Every line received, LF removed, in order.
    private(set) var lines: [String] = []
    /// How many times `send` was called.
    private(set) var sendCount = 0
    /// How many times `closeAfterFlush` was called.
    private(set) var closeCount = 0

    var closedAfterFlush: Bool { closeCount > 0 }

    override func send(_ chunk: UnsafeRawBufferPointer) {
        sendCount += 1
        // Split bytes, not Characters: "\r\n" is one Character in Swift.
        #expect(chunk.last == UInt8(ascii: "\n"), "every send must be whole lines ending in LF")
        lines.append(contentsOf: chunk.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .dropLast().map { String(decoding: $0, as: UTF8.self) })
    }

    override func closeAfterFlush() { closeCount += 1 }

    /// How many times the dispatcher said the backlog had run.
    private(set) var resumeCount = 0
    override func resumeReading() { resumeCount += 1 }

    func clear() { lines.removeAll() }
}

/// One connection in a ``ChatHarness``: send lines in, read `lines` back.
final class Client {
    let session = RecordingSession()
    let dispatcher: Dispatcher

    init(dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
    }

    /// The world's answers to what the lines so far asked, when they come later (``LaterWorld``).
    func settle() {
        (dispatcher.world as? LaterWorld)?.settle()
    }

    /// Everything received since the last `take()`, one entry per line, LF removed.
    var lines: [String] { session.lines }

    /// Hands one complete line (without LF) to the dispatcher.
    func send(_ line: String) { send(bytes: Array(line.utf8)) }

    func send(bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { dispatcher.handle(line: $0, from: session) }
        settle()
    }

    /// Sends `line` and takes the lines it produced for this client; nothing
    /// else may be pending, so that no earlier line goes unchecked.
    @discardableResult
    func reply(to line: String) -> [String] {
        #expect(lines.isEmpty, "unchecked lines before \(line.debugDescription)")
        send(line)
        return take()
    }

    /// Returns the lines received so far and forgets them.
    func take() -> [String] {
        defer { session.clear() }
        return lines
    }

    func disconnect(notify: Bool = true) {
        dispatcher.disconnect(session, notify: notify)
        settle()
    }
}

/// A registry and dispatcher with an injected clock for history timestamps, on a world that
/// answers at once (``LocalWorld``) or, with `CHAT_TEST_WORLD=later`, later (``LaterWorld``).
final class ChatHarness {
    /// What the clock says until `setClock` changes it.
    static let epoch: Int64 = 1_700_000_000_123

    let registry: Registry
    let dispatcher: Dispatcher
    private let clock: ClockBox
    /// Keeps every client alive for the test's length.
    private var clients: [Client] = []

    init(history: Int = 10, maxLine: Int = 4096, limits: ChatLimits = ChatLimits()) {
        let clock = ClockBox()
        self.clock = clock
        registry = Registry(historyLimit: history, recordLimit: limits.resumeMax)
        dispatcher = Dispatcher(registry: registry, maxLine: maxLine, limits: limits, clock: { clock.now })
        if LaterWorld.isChosen, let local = dispatcher.world as? LocalWorld { dispatcher.world = LaterWorld(inner: local) }
    }

    /// Sets what the clock returns from now on.
    func setClock(_ millis: Int64) { clock.now = millis }

    func connect() -> Client {
        let client = Client(dispatcher: dispatcher)
        clients.append(client)
        return client
    }

    /// A client registered as `name`, its `ack` already taken.
    func registered(_ name: String) -> Client {
        let client = connect()
        client.send("register,\(name)")
        #expect(client.take() == ["ack,\(name)"])
        return client
    }

    /// Registered clients, all in `room` (joined in order), with every line so far taken.
    func inRoom(_ room: String, _ names: String...) -> [Client] {
        let members = names.map(registered)
        for member in members { member.send("join,\(room)") }
        clearAll()
        return members
    }

    /// Every client but `excluded`.
    func clients(except excluded: Client?) -> [Client] { clients.filter { $0 !== excluded } }

    /// Forgets what every client has received so far.
    func clearAll() {
        for client in clients { _ = client.take() }
    }
}

private final class ClockBox {
    var now = ChatHarness.epoch
}

/// The comma-separated fields of `line` after the `prefix` field, sorted: for
/// replies whose order the protocol leaves open (`list`, `rooms`, `who`).
/// Nil when the line does not start with that field.
func sortedFields(of line: String?, after prefix: String) -> [String]? {
    guard let line else { return nil }
    if line == prefix { return [] }
    guard line.hasPrefix(prefix + ",") else { return nil }
    return line.dropFirst(prefix.count + 1).split(separator: ",", omittingEmptySubsequences: false)
        .map(String.init).sorted()
}
