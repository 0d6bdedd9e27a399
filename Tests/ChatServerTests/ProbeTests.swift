import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `chat-server probe`, the container health check: exit 0 only when a server answers the ping.
@Suite struct ProbeTests {
    @Test func aRunningServerPassesTheProbe() throws {
        let server = try ServerProcess.start()
        let probe = try ServerProcess(arguments: ["probe", "--port", "\(server.port)"])
        #expect(try probe.waitForExit() == .exit(0))
        #expect(try probe.stdout.waitForEnd().contains("pong,probe"))
        // The probe's connection came and went without disturbing anyone.
        let client = try server.connect()
        #expect(try client.sync() == [])
    }

    @Test func thePortComesFromChatPort() throws {
        let server = try ServerProcess.start()
        let probe = try ServerProcess(arguments: ["probe"], environment: ["CHAT_PORT": "\(server.port)"])
        #expect(try probe.waitForExit() == .exit(0))
    }

    @Test func nothingListeningFailsTheProbeAndSaysWhy() throws {
        // The port of a server that has stopped: nothing listens there now.
        let stopped = try ServerProcess.start()
        let port = stopped.port
        stopped.signal(SIGTERM)
        #expect(try stopped.waitForExit() == .exit(0))
        let probe = try ServerProcess(arguments: ["probe", "--port", "\(port)", "--timeout", "2"])
        #expect(try probe.waitForExit() == .exit(1))
        let message = try probe.stderr.waitForEnd()
        #expect(message.contains("probe failed"), "got \(message)")
        #expect(message.contains("Connection refused"), "got \(message)")
    }
}
