#if canImport(Glibc)
import Glibc
#endif
import Testing

/// SIGTERM and SIGINT: `bye,shutdown` to everyone, drain, exit 0.
@Suite struct ShutdownTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalSaysByeToEveryClientAndExitsZero(signal: Int32) throws {
        let server = try ServerProcess.start()
        let members = try server.registered("Jane", "Zak")
        try server.join("lobby", members)
        let loner = try server.registered("Loner")[0]
        let stranger = try server.connect()
        let typing = try server.connect()
        for client in [stranger, typing] { #expect(try client.sync() == []) }
        try typing.send("ping,not finished")  // part of a line, no LF

        server.signal(signal)
        for client in members + [loner, stranger, typing] {
            #expect(try client.readToEOF() == ["bye,shutdown"])
        }
        #expect(try server.waitForExit() == .exit(0))
    }

    /// Sends 40 MB of pings and never reads the replies. Once the send returns the
    /// server has read all but what the socket buffers hold (a few MB), so tens of
    /// MB of replies wait in its output queue.
    static func flood(_ client: LineClient) throws {
        let token = String(repeating: "t", count: 200)
        try client.send(String(repeating: "ping,\(token)\n", count: 200_000))
    }

    @Test func aSignalWithNoClientsExitsZero() throws {
        let server = try ServerProcess.start()
        server.signal(SIGTERM)
        #expect(try server.waitForExit() == .exit(0))
    }

    @Test func aClientThatNeverReadsDelaysTheExitAtMostTheDrainTimeout() throws {
        let server = try ServerProcess.start(["--drain-timeout", "1", "--max-pending", "0"])
        let greedy = try server.connect()
        let polite = try server.connect()
        #expect(try polite.sync() == [])
        try Self.flood(greedy)
        server.signal(SIGTERM)
        #expect(try polite.readToEOF() == ["bye,shutdown"])
        #expect(try server.waitForExit() == .exit(0))
    }

    @Test func aSecondSignalExitsWithoutWaitingForTheDrain() throws {
        let server = try ServerProcess.start(["--drain-timeout", "600", "--max-pending", "0"])
        let greedy = try server.connect()
        try Self.flood(greedy)
        server.signal(SIGTERM)
        _ = try server.stderr.waitForLine(timeout: 20) { $0.contains("draining") }
        // While draining it accepts no one: a connection is refused, or reset unserved.
        if let late = try? server.connect() {
            #expect(throws: (any Error).self, "a connection made while draining was served") { try late.sync() }
        }
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 60) == .exit(0))
    }
}
