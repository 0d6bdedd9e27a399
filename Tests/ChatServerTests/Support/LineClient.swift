import CLibeventOpenSSL
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP client that speaks lines. Every read gives up after
/// ``receiveTimeout`` seconds, so a server that stays silent fails the test
/// instead of hanging it.
final class LineClient {
    static let receiveTimeout = 30
    /// A send that makes no progress for this long fails (the server stopped reading).
    static let sendTimeout = 15

    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case timedOut(received: String)
        case closed(received: String)
        case unterminated(String)
        case tls(String)

        var description: String {
            switch self {
            case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
            case .timedOut(let received): "no line within \(LineClient.receiveTimeout)s; partial input: \(received.debugDescription)"
            case .closed(let received): "the server closed the connection; partial input: \(received.debugDescription)"
            case .unterminated(let text): "the connection ended inside a line: \(text.debugDescription)"
            case .tls(let what): "TLS: \(what)"
            }
        }
    }

    /// The name this client registered with, when a helper registered it.
    var name = ""
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// The TLS session when the client speaks TLS; its context is freed with it.
    private var ssl: OpaquePointer?
    private var sslContext: OpaquePointer?
    private var syncCount = 0

    /// Everything that arrives until the server closes, as text, whatever its line ends.
    func readAllToEOF() throws -> String {
        while try fill() {}
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Connects to 127.0.0.1:`port`; a small `receiveBuffer` makes a client that does not
    /// read back up the server's output quickly.
    /// A `source` address (such as 127.0.0.2) makes the connection come from there.
    /// With `tls`, the connection speaks TLS of that version.
    init(port: UInt16, receiveBuffer: Int32? = nil, source: String? = nil, tls: TLSVersion? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.system("socket", errno) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Failure.system("bind", errno) }
        }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: Self.receiveTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: Self.sendTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw Failure.system("connect", code)
        }
        if let tls { try startTLS(tls) }
    }

    /// TLS versions a client can insist on.
    enum TLSVersion: Int32, CustomStringConvertible, Sendable {
        case v1_2 = 0x0303, v1_3 = 0x0304
        var description: String { self == .v1_2 ? "TLSv1.2" : "TLSv1.3" }
    }

    /// Handshakes as a TLS client that speaks exactly `version` (any certificate is accepted:
    /// the tests make their own).
    private func startTLS(_ version: TLSVersion) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure.tls("SSL_CTX_new") }
        sslContext = context
        _ = clibevent_ssl_ctx_set_min_proto_version(context, version.rawValue)
        _ = clibevent_ssl_ctx_set_max_proto_version(context, version.rawValue)
        guard let ssl = SSL_new(context) else { throw Failure.tls("SSL_new") }
        self.ssl = ssl
        SSL_set_fd(ssl, descriptor)
        _ = clibevent_ssl_set_tlsext_host_name(ssl, "localhost")
        guard SSL_connect(ssl) == 1 else { throw Failure.tls("handshake failed") }
    }

    /// The negotiated protocol, such as `TLSv1.3`; nil without TLS.
    var tlsVersion: String? { ssl.map { String(cString: SSL_get_version($0)) } }

    /// The server certificate's subject, such as `/CN=localhost`; nil without TLS.
    var peerSubject: String? {
        guard let ssl, let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        var text = [CChar](repeating: 0, count: 256)
        X509_NAME_oneline(X509_get_subject_name(certificate), &text, Int32(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let sslContext { SSL_CTX_free(sslContext) }
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    // MARK: Sending

    /// Sends the text's UTF-8 bytes exactly (add the LF yourself).
    func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    /// Sends these bytes in one write (looping only on short writes).
    func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { chunk in
                if let ssl { return Int(SSL_write(ssl, chunk.baseAddress, Int32(chunk.count))) }
                return Glibc.send(descriptor, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure.system("send", errno)
            }
            offset += sent
        }
    }

    // MARK: Receiving

    /// The next line, without its LF.
    func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard try fill() else { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
        }
    }

    /// The next `count` bytes exactly.
    func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
        }
        defer { buffer.removeSubrange(..<count) }
        return Array(buffer[..<count])
    }

    /// The next `count` bytes as text, line ends and all: for dialects whose answers have none.
    func readText(bytes count: Int) throws -> String {
        while buffer.count < count {
            guard try fill() else { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
        }
        defer { buffer.removeSubrange(..<count) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Reads exactly the bytes of `expected` and expects them to be those.
    func expect(text expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try readText(bytes: expected.utf8.count)
        #expect(text == expected, sourceLocation: sourceLocation)
    }

    /// The next `count` lines.
    func readLines(_ count: Int) throws -> [String] {
        try (0..<count).map { _ in try readLine() }
    }

    /// Reads one line and expects it to be exactly `expected`.
    func expect(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let line = try readLine()
        #expect(line == expected, sourceLocation: sourceLocation)
    }

    /// Reads the next lines and expects them to be exactly `expected`, in order.
    func expect(lines expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let lines = try readLines(expected.count)
        #expect(lines == expected, sourceLocation: sourceLocation)
    }

    /// Every remaining line up to the server's close; throws when the last one has no LF.
    func readToEOF() throws -> [String] {
        var lines: [String] = []
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
                continue
            }
            guard try fill() else { break }
        }
        guard buffer.isEmpty else { throw Failure.unterminated(String(decoding: buffer, as: UTF8.self)) }
        return lines
    }

    /// The numbers `sender` said in `room`, from its history lines and its live lines, in the
    /// order they arrive, up to and including `last` however late it comes (a lost one times
    /// out). Other lines are skipped.
    func readNumbers(saidBy sender: String, in room: String, through last: Int) throws -> [Int] {
        var seen: [Int] = []
        while seen.last != last {
            let fields = try readLine().split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 1, fields[1] == room else { continue }
            switch fields.first {
            case "history" where fields.count == 5 && fields[3] == sender: seen += Int(fields[4]).map { [$0] } ?? []
            case "say" where fields.count == 4 && fields[2] == sender: seen += Int(fields[3]).map { [$0] } ?? []
            default: break
            }
        }
        return seen
    }

    /// A barrier: sends `ping,<token>` and returns every line that came before `pong,<token>`.
    /// Since replies come in command order, an empty result proves nothing else was sent.
    func sync() throws -> [String] {
        syncCount += 1
        let token = "sync-\(syncCount)"
        try send("ping,\(token)\n")
        var before: [String] = []
        while true {
            let line = try readLine()
            if line == "pong,\(token)" { return before }
            before.append(line)
        }
    }

    /// Keeps this client's idle timer from running out, sending `keepAlive` (a line the server
    /// answers with nothing) at each throughput line of `server` (run it with a short
    /// `--stats-interval`), until a line satisfying `predicate` arrives. Returns the lines up
    /// to and including that one. The server's log paces it: no client waits on a clock.
    func keepAlive(with keepAlive: String, pacedBy server: ServerProcess,
                   until predicate: (String) -> Bool) throws -> [String] {
        var received: [String] = []
        var ticks = server.logCount("msg=stats")
        while true {
            try fillWithoutWaiting()
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                received.append(line)
                if predicate(line) { return received }
            }
            ticks += 1
            try server.waitForLog("msg=stats", count: ticks, timeout: 10)
            try send(keepAlive)
        }
    }

    /// Takes in what has arrived, without waiting for more (plain TCP only).
    private func fillWithoutWaiting() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                continue
            }
            if count == 0 { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return
            case let code: throw Failure.system("recv", code)
            }
        }
    }

    /// Reads more input into the buffer; false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { space in
                guard let ssl else { return recv(descriptor, space.baseAddress, space.count, 0) }
                let read = Int(SSL_read(ssl, space.baseAddress, Int32(space.count)))
                if read <= 0 {
                    let error = SSL_get_error(ssl, Int32(read))
                    if error == SSL_ERROR_ZERO_RETURN { return 0 }  // close_notify
                    if error == SSL_ERROR_SYSCALL && errno == 0 { return 0 }  // end of stream without close_notify
                    return -1
                }
                return read
            }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw Failure.timedOut(received: String(decoding: buffer, as: UTF8.self))
            case let code: throw Failure.system("recv", code)
            }
        }
    }

    // MARK: Closing

    /// Shuts down the sending side (the server sees EOF); reading goes on.
    func halfClose() throws {
        guard shutdown(descriptor, Int32(SHUT_WR)) == 0 else { throw Failure.system("shutdown", errno) }
    }

    /// Closes the socket normally (FIN).
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// Closes with SO_LINGER 0, so the server sees a reset instead of EOF.
    func resetClose() {
        guard descriptor >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(descriptor)
        descriptor = -1
    }
}
