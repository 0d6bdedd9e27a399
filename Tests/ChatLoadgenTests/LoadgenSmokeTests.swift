import ChatTestSupport
import Foundation
import Testing

/// End to end: chat-loadgen drives a real chat-server. Asserts correctness only, never speed.
@Suite(.serialized) struct LoadgenSmokeTests {
    /// Generous: a run takes about a second of sending plus setup and drain.
    static let timeout: TimeInterval = 120

    @Test(arguments: [
        ["--mode", "direct"], ["--mode", "room"], ["--mode", "mixed"],
        ["--mode", "mixed", "--rate", "20", "--list-friends"],
    ])
    func everyMessageArrivesOnceAndInOrder(options: [String]) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--users", "50", "--duration", "1", "--rooms", "5", "--json", "--progress-interval", "0",
        ] + options)
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(status == .exit(0), "stderr:\n\(loadgen.stderr.text)")
        for key in ["lost", "duplicated", "reordered"] { #expect(report[key] as? Int == 0, "\(key)") }
        #expect(report["connected"] as? Int == 50)
        #expect(report["registered"] as? Int == 50)
        #expect(report["errors"] as? [String: Int] == [:])
        let expected = try #require(report["expected"] as? Int)
        #expect(expected > 0)
        #expect(report["delivered"] as? Int == expected)
        #expect(report["passed"] as? Bool == true)
    }

    /// Each transport but tcp, in room and direct mode: the server serves TLS with a fresh
    /// self-signed certificate (which the load generator does not verify), and WebSocket on both ports.
    @Test(arguments: ["tls", "ws", "wss"], ["room", "direct"])
    func everyMessageArrivesOverEachTransport(transport: String, mode: String) throws {
        let certificate = try TestCertificate()
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"] + certificate.serverArguments)
        defer { server.kill() }
        let plainPort = try Self.listeningPort(of: server)
        let tlsPort = try Self.tlsPort(of: server)
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(transport == "ws" ? plainPort : tlsPort)", "--transport", transport, "--mode", mode,
            "--users", "50", "--duration", "1", "--rooms", "5", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(status == .exit(0), "stderr:\n\(loadgen.stderr.text)")
        #expect(report["transport"] as? String == transport)
        for key in ["lost", "duplicated", "reordered", "connect_failures", "disconnects"] { #expect(report[key] as? Int == 0, "\(key)") }
        #expect(report["connected"] as? Int == 50)
        #expect(report["registered"] as? Int == 50)
        #expect(report["errors"] as? [String: Int] == [:])
        let expected = try #require(report["expected"] as? Int)
        #expect(expected > 0)
        #expect(report["delivered"] as? Int == expected)
        #expect(report["passed"] as? Bool == true)
    }

    /// Churners over WebSocket: each `quit` ends in `bye,quit` and the server's close frame
    /// (answered), then the TCP close; the churner reconnects, and nobody else notices.
    @Test func churnOverWebSocketAnswersTheServersClose() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--transport", "ws", "--mode", "mixed", "--rate", "20", "--churn", "20",
            "--users", "50", "--duration", "1", "--rooms", "5", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(status == .exit(0), "stderr:\n\(loadgen.stderr.text)")
        #expect(try #require(report["churned"] as? Int) > 0)
        #expect(report["disconnects"] as? Int == 0)
        #expect(report["lost"] as? Int == 0)
        #expect(report["passed"] as? Bool == true)
    }

    /// TLS against the plain port fails the handshake; the run says so and fails.
    @Test func tlsToThePlainPortFailsWithTheTLSError() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--transport", "tls", "--users", "3", "--duration", "1", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        #expect(try loadgen.waitForExit(timeout: Self.timeout) == .exit(1))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("cannot connect") && stderr.contains("TLS:"), "stderr:\n\(stderr)")
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(report["transport"] as? String == "tls")
        #expect(report["connect_failures"] as? Int == 3)
        #expect(report["passed"] as? Bool == false)
    }

    /// An HTTP server that answers the upgrade with anything but 101 (here the server's
    /// metrics endpoint, which knows no /chat): every user fails to connect, and the run says why.
    @Test func anUpgradeRefusedIsAConnectFailure() throws {
        let metricsPort = try freeLocalPort()
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--metrics-port", "\(metricsPort)"])
        defer { server.kill() }
        _ = try server.stderr.waitForLine(timeout: 30) { $0.contains("metrics listening") }
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(metricsPort)", "--transport", "ws", "--users", "3", "--duration", "1", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        #expect(try loadgen.waitForExit(timeout: Self.timeout) == .exit(1))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("WebSocket upgrade refused: HTTP/1.1 404"), "stderr:\n\(stderr)")
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(report["transport"] as? String == "ws")
        #expect(report["connected"] as? Int == 0)
        #expect(report["connect_failures"] as? Int == 3)
    }

    @Test func failsWhenNothingListens() throws {
        let port = try freeLocalPort()
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--users", "10", "--duration", "1", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        #expect(status == .exit(1))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("cannot connect"), "stderr:\n\(stderr)")
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(report["connected"] as? Int == 0)
        #expect(report["passed"] as? Bool == false)
    }

    /// Linux refuses a TCP connect to a multicast address at once (ENETUNREACH), so every
    /// connection fails inside the first tick, before the event loop runs.
    @Test func failsWhenEveryConnectFailsAtOnce() throws {
        let loadgen = try ChildProcess("chat-loadgen", [
            "--host", "224.0.0.1", "--port", "7420", "--users", "3", "--duration", "1", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: 30)
        #expect(status == .exit(1))
        #expect(loadgen.stderr.text.contains("cannot connect"))
    }

    /// Waits for the server's `listening` line and takes the port from `address=host:port`.
    static func listeningPort(of server: ChildProcess) throws -> Int {
        let line = try server.stderr.waitForLine(timeout: 30) { $0.contains("msg=listening") }
        guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
              let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestFailure("no port in the listening line: \(line)")
        }
        return port
    }

    /// Waits for the server's `tls listening` line and takes the port from its address.
    static func tlsPort(of server: ChildProcess) throws -> Int {
        let line = try server.stderr.waitForLine(timeout: 30) { $0.contains("tls listening") }
        guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
              let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestFailure("no port in the tls listening line: \(line)")
        }
        return port
    }

    /// The JSON object on the last line of the load generator's output.
    static func report(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last, "no output")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(line)")
    }
}
