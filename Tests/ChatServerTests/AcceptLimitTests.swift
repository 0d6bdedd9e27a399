import Testing

/// Accept failures (EMFILE): the listener pauses and retries instead of spinning,
/// logs once per outage, and serves the waiting clients once descriptors free up.
@Suite struct AcceptLimitTests {
    @Test func runningOutOfDescriptorsPausesAcceptingAndRecovers() throws {
        // 24 descriptors: the server's own (stdio, listener, epoll, signals) leave room for under 20 clients.
        let server = try ServerProcess.start(["--log-level", "info"], launcher: ["/usr/bin/prlimit", "--nofile=24"])
        // The kernel completes every handshake into the backlog; the server can accept only some.
        let clients = try (0..<30).map { _ in try server.connect() }
        _ = try server.stderr.waitForLine(timeout: 10) { $0.contains("accept failed") }
        for (index, client) in clients.enumerated() { try client.send("ping,\(index)\n") }

        // Free descriptors: whatever was accepted among the first 20 goes away.
        clients[..<20].forEach { $0.close() }
        // The last clients were never accepted before; they are served now.
        for index in 20..<30 { try clients[index].expect("pong,\(index)") }
        _ = try server.stderr.waitForLine(timeout: 10) { $0.contains("accepting again") }

        let failures = server.stderr.lines.filter { $0.contains("accept failed") }
        #expect(failures.count == 1, "one warning per outage, not one per retry: \(failures)")
        #expect(failures.first?.contains("Too many open files") == true)
    }
}
