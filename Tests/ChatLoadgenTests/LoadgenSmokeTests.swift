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
        ["--mode", "room", "--protocol", "2"], ["--mode", "mixed", "--rate", "20", "--protocol", "2"],
    ])
    func everyMessageArrivesOnceAndInOrder(options: [String]) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--users", "50", "--duration", "1", "--rooms", "5"] + options)
        try Self.expectEverythingDelivered(run)
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
        let run = try Self.runLoadgen(["--port", "\(transport == "ws" ? plainPort : tlsPort)", "--transport", transport,
                                        "--mode", mode, "--users", "50", "--duration", "1", "--rooms", "5"])
        #expect(run.report["transport"] as? String == transport)
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
    }

    /// Churners over WebSocket: each `quit` ends in `bye,quit` and the server's close frame
    /// (answered), then the TCP close; the churner reconnects, and nobody else notices.
    /// Protocol v2 over WebSocket: the connection's frames carry v2 lines once it said
    /// `hello,2`, every id checked.
    @Test func protocol2OverWebSocketChecksEveryId() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--transport", "ws", "--protocol", "2", "--mode", "room",
                                        "--users", "50", "--duration", "1", "--rooms", "5"])
        #expect(run.report["gaps"] as? Int == 0)
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
    }

    /// `--reconnect-every`: users drop their connection and resume their room from the last id
    /// they saw: nothing lost, nothing twice, no gap in the ids, and the resumes counted.
    @Test func usersThatDropAndResumeMissNothing() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--protocol", "2", "--mode", "room", "--rate", "20",
                                        "--reconnect-every", "0.5", "--users", "50", "--duration", "2", "--rooms", "5"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects", "gaps"])
        #expect(try #require(run.report["resumes"] as? Int) > 0, "report: \(run.report)")
        #expect(run.report["replayed"] as? Int != nil)
    }

    /// A user comes back by resuming its room: only with protocol 2, in room mode.
    @Test(arguments: [["--reconnect-every", "1"], ["--reconnect-every", "1", "--protocol", "2", "--mode", "mixed"],
                      ["--reconnect-every", "-1", "--protocol", "2", "--mode", "room"], ["--protocol", "3"]])
    func reconnectingNeedsProtocol2AndRoomMode(arguments: [String]) throws {
        let loadgen = try ChildProcess("chat-loadgen", arguments + ["--progress-interval", "0"])
        defer { loadgen.kill() }
        #expect(try loadgen.waitForExit(timeout: 30) == .exit(64))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("--reconnect-every") || stderr.contains("--protocol"), "stderr:\n\(stderr)")
    }

    @Test func churnOverWebSocketAnswersTheServersClose() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--transport", "ws", "--mode", "mixed", "--rate", "20",
                                        "--churn", "20", "--users", "50", "--duration", "1", "--rooms", "5"])
        #expect(run.status == .exit(0), "stderr:\n\(run.stderr)")
        #expect(try #require(run.report["churned"] as? Int) > 0)
        #expect(run.report["disconnects"] as? Int == 0)
        #expect(run.report["lost"] as? Int == 0)
        #expect(run.report["passed"] as? Bool == true)
    }

    /// TLS against the plain port fails the handshake; the run says so and fails.
    @Test func tlsToThePlainPortFailsWithTheTLSError() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--transport", "tls", "--users", "3", "--duration", "1"])
        #expect(run.status == .exit(1))
        #expect(run.stderr.contains("cannot connect") && run.stderr.contains("TLS:"), "stderr:\n\(run.stderr)")
        #expect(run.report["transport"] as? String == "tls")
        #expect(run.report["connect_failures"] as? Int == 3)
        #expect(run.report["passed"] as? Bool == false)
    }

    /// An HTTP server that answers the upgrade with anything but 101 (here the server's
    /// metrics endpoint, which knows no /chat): every user fails to connect, and the run says why.
    @Test func anUpgradeRefusedIsAConnectFailure() throws {
        let metricsPort = try freeLocalPort()
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--metrics-port", "\(metricsPort)"])
        defer { server.kill() }
        _ = try server.stderr.waitForLine(timeout: 30) { $0.contains("metrics listening") }
        let run = try Self.runLoadgen(["--port", "\(metricsPort)", "--transport", "ws", "--users", "3", "--duration", "1"])
        #expect(run.status == .exit(1))
        #expect(run.stderr.contains("WebSocket upgrade refused: HTTP/1.1 404"), "stderr:\n\(run.stderr)")
        #expect(run.report["transport"] as? String == "ws")
        #expect(run.report["connected"] as? Int == 0)
        #expect(run.report["connect_failures"] as? Int == 3)
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

    /// A finished chat-loadgen run: how it ended, its JSON report, what it said on stderr.
    struct Run {
        let status: Termination
        let report: [String: Any]
        let stderr: String
    }

    /// Runs chat-loadgen with `arguments` and `--json --progress-interval 0` to its end. The
    /// drain gives up after 10 s without a delivery unless `arguments` say otherwise: a run
    /// that loses nothing ends as soon as the last delivery is in, however slow the machine,
    /// and a sanitizer's pause does not count as a loss.
    static func runLoadgen(_ arguments: [String]) throws -> Run {
        let drainIdle = arguments.contains("--drain-idle") ? [] : ["--drain-idle", "10"]
        let loadgen = try ChildProcess("chat-loadgen", arguments + drainIdle + ["--json", "--progress-interval", "0"])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: timeout)
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        return Run(status: status, report: report, stderr: try loadgen.stderr.waitForEnd(timeout: 10))
    }

    /// Expects a clean run of `users` users: every message delivered once and in order.
    static func expectEverythingDelivered(_ run: Run, users: Int = 50, also: [String] = [],
                                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(run.status == .exit(0), "stderr:\n\(run.stderr)", sourceLocation: sourceLocation)
        for key in ["lost", "duplicated", "reordered"] + also {
            #expect(run.report[key] as? Int == 0, "\(key)", sourceLocation: sourceLocation)
        }
        #expect(run.report["connected"] as? Int == users, sourceLocation: sourceLocation)
        #expect(run.report["registered"] as? Int == users, sourceLocation: sourceLocation)
        #expect(run.report["errors"] as? [String: Int] == [:], sourceLocation: sourceLocation)
        let expected = try #require(run.report["expected"] as? Int, sourceLocation: sourceLocation)
        #expect(expected > 0, sourceLocation: sourceLocation)
        #expect(run.report["delivered"] as? Int == expected, sourceLocation: sourceLocation)
        #expect(run.report["drain_s"] is NSNumber, sourceLocation: sourceLocation)
        #expect(run.report["passed"] as? Bool == true, sourceLocation: sourceLocation)
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

    /// Waits until each loop of a node of a Redis cluster has logged `cluster joined` (with
    /// `--loops` each loop is a node, which joins on its own): the `loops` of its listening line.
    static func waitUntilEveryLoopJoined(_ node: ChildProcess) throws {
        let line = try node.stderr.waitForLine(timeout: 30) { $0.contains("msg=listening") }
        let loops = line.split(separator: " ").first { $0.hasPrefix("loops=") }.flatMap { Int($0.dropFirst(6)) } ?? 1
        try node.stderr.waitForText(timeout: 20) { text in
            text.split(separator: "\n").filter { $0.contains("cluster joined") }.count >= loops
        }
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
