import Testing

/// The dialect flags, their `CHAT_*` variables, and what a bad one does.
@Suite struct DialectConfigurationTests {
    @Test func dialectPortsAndTheRoomComeFromTheEnvironment() throws {
        let server = try ServerProcess.start([], environment: ["CHAT_TELNET_PORT": "0", "CHAT_DIALECT_ROOM": "hall"])
        let line = try server.stderr.waitForLine(timeout: 10) { $0.contains("dialect=telnet") }
        let port = try #require(ServerProcess.port(fromListeningLine: line))
        #expect(!server.stderr.text.contains("dialect=classic") && !server.stderr.text.contains("dialect=nickname"),
                "a dialect that was not asked for is off")
        let vee = try server.registered("Vee")[0]
        try vee.send("join,hall\n")
        try vee.expect("joined,hall,1")
        let telnet = try LineClient(port: port)
        let joined = try telnet.readLine()
        #expect(joined.hasSuffix(" has joined\r"), "got \(joined)")
        let notice = try vee.readLine()
        #expect(notice.hasPrefix("join,hall,127.0.0.1_"), "got \(notice)")
    }

    @Test func aDialectRoomThatIsNoNameIsABadFlag() throws {
        let server = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0", "--telnet-port", "0",
                                                   "--dialect-room", "the hall"])
        #expect(try server.waitForExit() == .exit(64))
        #expect(server.stderr.text.contains("--dialect-room"), "got \(server.stderr.text)")
    }

    @Test func aDialectPortInUseFailsWithExitOneAndSaysWhy() throws {
        let first = try ServerProcess.start()
        let second = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0", "--classic-port", "\(first.port)"])
        #expect(try second.waitForExit() == .exit(1))
        let line = try second.stderr.waitForLine(timeout: 5) { $0.contains("cannot start") }
        #expect(line.contains("cannot listen") && line.contains("Address already in use"), "got \(line)")
    }
}
