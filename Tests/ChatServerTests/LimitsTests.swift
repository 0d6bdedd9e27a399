import ChatTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Each limit flag and the protocol behaviour it promises, over real sockets.
@Suite struct LimitsTests {
    @Test func oneConnectionOverMaxConnectionsGetsServerFull() throws {
        let server = try ServerProcess.start(["--max-connections", "2"])
        let clients = try server.registered("Ann", "Bob")
        let third = try server.connect()
        #expect(try third.readToEOF() == ["bye,server-full"])
        // Those served are unaffected, and a freed place is taken again.
        try clients[0].send("chat,Bob,still here\n")
        try clients[1].expect("chat,Ann,still here")
        // Its place is free once the server has closed it (another loop may take the next one).
        try clients[0].send("quit\n")
        #expect(try clients[0].readToEOF() == ["bye,quit"])
        let replacement = try server.connect()
        try replacement.send("register,Ann\n")
        try replacement.expect("ack,Ann")
    }

    @Test func anIdleConnectionGetsIdleTimeoutAndItsRoomsAreTold() throws {
        let server = try ServerProcess.start(["--idle-timeout", "3", "--stats-interval", "0.1"])
        let clients = try server.registered("Early", "Late")
        try server.join("lobby", clients)
        // Early says nothing more and runs out. Late sends blank lines (which get no answer)
        // until it hears Early go, then says nothing and runs out itself.
        #expect(try clients[1].keepAlive(with: "\n", pacedBy: server) { $0.hasPrefix("quit,") } == ["quit,Early,"])
        #expect(try clients[0].readToEOF() == ["bye,idle-timeout"])
        #expect(try clients[1].readToEOF() == ["bye,idle-timeout"])
        let again = try server.connect()
        try again.send("register,Early\n")
        try again.expect("ack,Early")
    }

    /// On the TCP port and, the same lifecycle, on the TLS port.
    @Test(arguments: [false, true])
    func aClientThatDoesNotReadIsDroppedAsASlowConsumer(tls: Bool) throws {
        let pair = tls ? try TestCertificate() : nil
        let server = try ServerProcess.start(["--max-pending", "65536"] + (pair?.serverArguments ?? []))
        let stuck = try LineClient(port: tls ? try server.tlsPort() : server.port, receiveBuffer: 4096, tls: tls ? .v1_3 : nil)
        try stuck.send("register,Stuck\n")
        try stuck.expect("ack,Stuck")
        let watcher = try server.registered("Watcher")[0]
        try server.join("lobby", [stuck, watcher])
        // Pongs pile up in the server while Stuck does not read: far more than 64 KiB. A plain
        // connection first fills the kernel's send buffer; a TLS one is written by its
        // bufferevent, 64 KiB a pass, and sending much more would meet the reset of the drop.
        let token = String(repeating: "x", count: 1000)
        let pings = tls ? 5000 : KernelSendBuffer.linesToOverflow(lineBytes: 1000, pending: 65536)
        var reset = false
        for _ in 0..<pings where !reset {
            // Once dropped, Stuck is no longer read: its last pings may meet the reset of the close.
            do { try stuck.send("ping,\(token)\n") } catch { reset = true }
        }
        try watcher.expect("quit,Stuck,")
        if !reset {
            // What was queued before the limit still arrives, then the bye, then EOF.
            let received = try stuck.readToEOF()
            #expect(received.last == "bye,slow-consumer")
            #expect(received.dropLast().allSatisfy { $0 == "pong,\(token)" || $0.hasPrefix("join") })
        }
        #expect(try watcher.sync() == [])
        let again = try server.registered("Stuck")
        #expect(again.count == 1)
    }

    @Test func theRateLimitRefusesLinesPastTheBurstWithinTheOrderOfErrors() throws {
        let server = try ServerProcess.start(["--rate-limit", "1", "--rate-burst", "3"])
        let client = try server.connect()
        try client.send("ping,1\nping,2\nbogus\nping,3\nregister,Ann\n\n")
        try client.expect(lines: ["pong,1", "pong,2", "error,unknown-command,bogus", "error,rate-limited",
                                  "error,rate-limited"])
    }

    @Test func roomLimitsAnswerTooManyRoomsAndRoomsFull() throws {
        let server = try ServerProcess.start(["--max-rooms-per-user", "2", "--max-rooms", "3"])
        let clients = try server.registered("Ann", "Bob")
        let (ann, bob) = (clients[0], clients[1])
        try ann.send("join,a\njoin,b\njoin,c\n")
        try ann.expect(lines: ["joined,a,1", "joined,b,1", "error,too-many-rooms,c"])
        try bob.send("join,c\njoin,d\n")
        try bob.expect(lines: ["joined,c,1", "error,rooms-full,d"])
    }

    @Test(arguments: [["--max-connections", "-1"], ["--idle-timeout", "-1"], ["--max-pending", "-1"],
                      ["--rate-limit", "-1"], ["--rate-burst", "0"], ["--max-rooms", "-1"]])
    func aNegativeLimitIsRefusedAtStart(arguments: [String]) throws {
        let process = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0"] + arguments)
        #expect(try process.waitForExit() == .exit(64))
        #expect(try process.stderr.waitForEnd().contains(arguments[0]))
    }
}
