import Foundation
import Testing

/// The throughput log lines, `/metrics` and `/healthz`.
@Suite struct ObservabilityTests {
    static let statsFields = ["connections", "users", "rooms", "commands_per_s", "delivered_per_s", "bytes_in_per_s",
                              "bytes_out_per_s", "errors_per_s", "slow_consumer_drops", "loop_lag_ms", "rss_bytes"]

    @Test func aTextStatsLineHasEveryFieldAndCountsTraffic() throws {
        let server = try ServerProcess.start(["--stats-interval", "0.2"])
        let (jane, zak) = try pair(server)
        try jane.send("chat,nobody\n")
        try jane.expect("error,no-such-user,nobody")
        try zak.expect("chat,Jane,hi")
        // The line whose interval saw the error, and one that counts both users: with several
        // loops a line adds up the figures each loop gives every 100 ms, so they may be two lines.
        let errors = try server.stderr.waitForLine(timeout: 10) { $0.contains("msg=stats") && $0.contains(" errors_per_s.no-such-user=") }
        let line = try server.stderr.waitForLine(timeout: 10) { line in
            line.contains("msg=stats") && Self.fields(of: line)["connections"] == "2" && Self.fields(of: line)["users"] == "2"
        }
        for field in Self.statsFields {
            #expect(line.contains(" \(field)="), "\(field) missing from \(line)")
            #expect(errors.contains(" \(field)="), "\(field) missing from \(errors)")
        }
        #expect(Self.fields(of: errors)["commands_per_s"] != "0", "\(errors)")
        let rss = line.split(separator: " ").first { $0.hasPrefix("rss_bytes=") }.flatMap { Int($0.dropFirst(10)) }
        #expect((rss ?? 0) > 1_000_000, "\(line)")
    }

    @Test func aJSONStatsLineHasTheSameFields() throws {
        let server = try ServerProcess.start(["--stats-interval", "0.2", "--log-format", "json"])
        let line = try server.stderr.waitForLine(timeout: 10) { $0.contains("\"msg\":\"stats\"") }
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        for field in Self.statsFields { #expect(object?[field] != nil, "\(field) missing from \(line)") }
        #expect(object?["level"] as? String == "info")
    }

    @Test func statsIntervalZeroTurnsTheLinesOff() throws {
        let server = try ServerProcess.start(["--stats-interval", "0"])
        server.signal(SIGTERM)
        #expect(try server.waitForExit() == .exit(0))
        #expect(!server.stderr.text.contains("msg=stats"))
    }

    @Test func metricsAreValidPrometheusTextAndCountTraffic() throws {
        let metricsPort = try HTTPResponse.freePort()
        let server = try ServerProcess.start(["--metrics-port", "\(metricsPort)"])
        let (jane, zak) = try pair(server)
        try zak.expect("chat,Jane,hi")
        try jane.send("join,lobby\nbogus\n")
        try jane.expect("joined,lobby,1")
        try jane.expect("error,unknown-command,bogus")
        let response = try HTTPResponse.get("/metrics", port: metricsPort)
        #expect(response.status == 200)
        #expect(response.headers.contains { $0.lowercased().hasPrefix("content-type: text/plain; version=0.0.4") })
        let body = response.body
        for sample in ["chat_connections 2", "chat_users 2", "chat_rooms 1", "chat_commands_total 5",
                       "chat_connections_accepted_total 2", "chat_errors_total{code=\"unknown-command\"} 1",
                       "chat_errors_total{code=\"bad-name\"} 0"] {
            #expect(body.split(separator: "\n").contains { $0.hasPrefix(sample) }, "no \(sample) in\n\(body)")
        }
        for name in ["chat_deliveries_total", "chat_received_bytes_total", "chat_sent_bytes_total",
                     "chat_slow_consumer_drops_total", "chat_event_loop_lag_seconds", "process_resident_memory_bytes"] {
            #expect(body.contains("# TYPE \(name) "), "no TYPE line for \(name)")
            #expect(body.contains("# HELP \(name) "), "no HELP line for \(name)")
        }
        try Self.expectPromtoolAccepts(body)
    }

    @Test func healthzIsOKWhileServingAndUnavailableWhileDraining() throws {
        let metricsPort = try HTTPResponse.freePort()
        let server = try ServerProcess.start(["--metrics-port", "\(metricsPort)", "--drain-timeout", "20", "--max-pending", "0"])
        #expect(try HTTPResponse.get("/healthz", port: metricsPort).status == 200)
        #expect(try HTTPResponse.get("/nowhere", port: metricsPort).status == 404)
        // A client that does not read, with a tiny receive window, leaves megabytes of pongs
        // queued beyond what the kernel buffers, so the drain waits for it.
        let stuck = try LineClient(port: server.port, receiveBuffer: 4096)
        let token = String(repeating: "x", count: 4000)
        for _ in 0..<3000 { try stuck.send("ping,\(token)\n") }
        let probe = try server.connect()
        #expect(try probe.sync() == [], "the server has read what came before")
        server.signal(SIGTERM)
        _ = try server.stderr.waitForLine(timeout: 10) { $0.contains("msg=draining") }
        let draining = try HTTPResponse.get("/healthz", port: metricsPort)
        #expect(draining.status == 503)
        #expect(draining.body == "draining\n")
        #expect(try HTTPResponse.get("/metrics", port: metricsPort).body.contains("chat_draining 1"))
        stuck.resetClose()
        #expect(try server.waitForExit() == .exit(0))
    }

    /// A text log line's `key=value` fields (values without spaces, as the stats line's are).
    static func fields(of line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }

    private func pair(_ server: ServerProcess) throws -> (LineClient, LineClient) {
        let clients = try server.registered("Jane", "Zak")
        try clients[0].send("chat,Zak\n")
        return (clients[0], clients[1])
    }

    /// promtool (Debian's `prometheus` package; `scripts/install-deps --test` installs it) must accept the text.
    static func expectPromtoolAccepts(_ text: String) throws {
        let promtool = Process()
        promtool.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        promtool.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        promtool.standardInput = input
        promtool.standardOutput = output
        promtool.standardError = output
        try promtool.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        promtool.waitUntilExit()
        #expect(promtool.terminationStatus == 0, "promtool check metrics: \(report)")
    }
}
