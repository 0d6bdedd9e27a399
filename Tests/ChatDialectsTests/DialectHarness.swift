#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import ChatCore
import ChatDialects

/// Bytes as a client reads them, compared byte for byte and shown as escaped text.
/// A string literal (with interpolation) is its UTF-8 bytes.
struct Wire: Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(stringLiteral value: String) { bytes = Array(value.utf8) }

    /// The bytes as text (invalid UTF-8 shown as U+FFFD).
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var isEmpty: Bool { bytes.isEmpty }
    var description: String { text.debugDescription }
}

/// An in-memory ``Session`` that records the raw bytes sent to it: dialect answers
/// need not end in LF (the classic `ack`), so nothing is split or checked here.
final class RawSession: Session {
    private(set) var received: [UInt8] = []
    /// How many times `send` was called.
    private(set) var sendCount = 0
    /// How many times `closeAfterFlush` was called.
    private(set) var closeCount = 0

    override func send(_ bytes: UnsafeRawBufferPointer) {
        sendCount += 1
        received += bytes
    }

    override func closeAfterFlush() { closeCount += 1 }

    func clear() { received.removeAll() }
}

/// One connection: a session and, for a dialect port, its edge; v1 connections hand
/// their lines straight to the dispatcher.
final class DialectClient {
    let session: RawSession
    let edge: (any DialectEdge)?
    private let dispatcher: Dispatcher

    init(session: RawSession, edge: (any DialectEdge)?, dispatcher: Dispatcher) {
        self.session = session
        self.edge = edge
        self.dispatcher = dispatcher
    }

    /// Hands one client message (without its line end) to the edge or the dispatcher.
    func send(_ message: String) { send(bytes: Array(message.utf8)) }

    func send(bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            if let edge {
                edge.received(raw, from: session, chat: dispatcher)
            } else {
                _ = dispatcher.handle(line: raw, from: session)
            }
        }
    }

    /// Everything received since the last `take()`, and forgets it.
    func take() -> Wire {
        defer { session.clear() }
        return Wire(session.received)
    }

    /// Sends `message` and takes what this client got back; nothing may be pending before.
    func reply(to message: String, sourceLocation: SourceLocation = #_sourceLocation) -> Wire {
        #expect(session.received.isEmpty, "unchecked bytes before \(message.debugDescription)",
                sourceLocation: sourceLocation)
        session.clear()
        send(message)
        return take()
    }

    /// The registered name, as text.
    var name: String? { session.name?.description }
    var closeCount: Int { session.closeCount }
}

/// A registry with the dialects' formats, a dispatcher and the dialects, on one injected clock.
final class DialectHarness {
    /// What the clock says until `setClock` changes it: Tue Nov 14 22:13:20 2023 UTC.
    static let epoch: Int64 = 1_700_000_000_123

    let dialects: Dialects
    let registry: Registry
    let dispatcher: Dispatcher
    private let clock: ClockBox
    /// Keeps every client alive for the test's length.
    private(set) var clients: [DialectClient] = []
    private var nextPort = 50_000

    /// - Parameter formats: the registry's formats after v1, given the dialects' own; the
    ///   dialects' by default, so that ``Dialect/formatID`` names them.
    init(formats: (Dialects) -> [any EventFormat] = { $0.formats }) {
        let clock = ClockBox()
        self.clock = clock
        dialects = Dialects(room: ChatName("lobby")!, clock: { clock.now })
        registry = Registry(historyLimit: 10, otherFormats: formats(dialects))
        dispatcher = Dispatcher(registry: registry, maxLine: 4096, clock: { clock.now })
    }

    var now: Int64 { clock.now }
    /// Sets what the clock returns from now on.
    func setClock(_ millis: Int64) { clock.now = millis }

    // MARK: Connections

    /// A new connection on `dialect`'s port, its edge told it is open; nothing taken.
    func connect(_ dialect: Dialect, host: String = "127.0.0.1", port: Int? = nil) -> DialectClient {
        let port = port ?? takePort()
        let session = RawSession(format: dialect.formatID)
        let client = DialectClient(session: session, edge: dialects.makeEdge(dialect, host: host, port: port),
                                   dispatcher: dispatcher)
        clients.append(client)
        client.edge?.opened(session, chat: dispatcher)
        return client
    }

    /// A new protocol v1 connection (or one in any registry format), unregistered.
    func connectV1(format: FormatID = .v1) -> DialectClient {
        let client = DialectClient(session: RawSession(format: format), edge: nil, dispatcher: dispatcher)
        clients.append(client)
        return client
    }

    /// A v1 user registered as `name` and, unless `room` is nil, in it; everything so far taken.
    func v1(_ name: String, in room: String? = "lobby", format: FormatID = .v1,
            sourceLocation: SourceLocation = #_sourceLocation) -> DialectClient {
        let client = connectV1(format: format)
        client.send("register,\(name)")
        if let room { client.send("join,\(room)") }
        #expect(client.name == name, sourceLocation: sourceLocation)
        clearAll()
        return client
    }

    /// A classic user registered as `name`, its `ack` checked; everything so far taken.
    func classic(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> DialectClient {
        let client = connect(.classic)
        #expect(client.reply(to: "register,\(name)") == "ack", sourceLocation: sourceLocation)
        clearAll()
        return client
    }

    /// A chat-room user that gave `nickname`, its greeting checked; everything so far taken.
    func nickname(_ nickname: String, sourceLocation: SourceLocation = #_sourceLocation) -> DialectClient {
        let client = connect(.nickname)
        #expect(client.take() == "GET_NAME", sourceLocation: sourceLocation)
        #expect(client.reply(to: nickname) == "\(nickname) connected to server!\n", sourceLocation: sourceLocation)
        clearAll()
        return client
    }

    /// A telnet user from 127.0.0.1:`port`, already in the room; everything so far taken.
    func telnet(port: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> DialectClient {
        let port = port ?? takePort()
        let client = connect(.telnet, port: port)
        #expect(client.name == "127.0.0.1_\(port)", sourceLocation: sourceLocation)
        clearAll()
        return client
    }

    /// Forgets what every client has received so far.
    func clearAll() {
        for client in clients { _ = client.take() }
    }

    private func takePort() -> Int {
        defer { nextPort += 1 }
        return nextPort
    }

    /// The members of room `name`, by registered name (sorted).
    func members(of name: String) -> [String] {
        guard let room = registry.room(named: ChatName(name)!) else { return [] }
        return room.members.compactMap { $0.name?.description }.sorted()
    }
}

private final class ClockBox {
    var now = DialectHarness.epoch
}

/// The telnet dialect's stamp for `millis`: C's `asctime` of local time, as
/// `strftime("%a %b %e %H:%M:%S %Y")` of `localtime_r`, computed here independently.
func asctimeStamp(millis: Int64) -> String {
    var time = time_t(millis / 1000)
    var parts = tm()
    _ = localtime_r(&time, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let count = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Counts the events a registry has it write, and writes them as protocol v1 does.
final class CountingFormat: EventFormat {
    private let inner: any EventFormat
    private(set) var writes = 0

    init(wrapping inner: any EventFormat = V1Format()) {
        self.inner = inner
    }

    func write(_ event: ChatEvent, into line: inout LineBuilder) {
        writes += 1
        inner.write(event, into: &line)
    }
}
