import Testing

/// The slow-consumer limit over TLS and over WebSocket: the same lifecycle as on TCP.
@Suite struct TransportLimitsTests {
    @Test func aTLSClientThatDoesNotReadIsDroppedAsASlowConsumer() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments + ["--max-pending", "65536"])
        let stuck = try LineClient(port: try server.tlsPort(), receiveBuffer: 4096, tls: .v1_3)
        try stuck.send("register,Stuck\n")
        try stuck.expect("ack,Stuck")
        let watcher = try server.registered("Watcher")[0]
        try server.join("lobby", [stuck, watcher])
        let token = String(repeating: "x", count: 1000)
        for _ in 0..<5000 { try stuck.send("ping,\(token)\n") }
        try watcher.expect("quit,Stuck,")
        #expect(try watcher.sync() == [])
        #expect(try server.registered("Stuck").count == 1, "its name is free again")
    }

    @Test func aWebSocketClientThatDoesNotReadIsDroppedAsASlowConsumer() throws {
        let server = try ServerProcess.start(["--max-pending", "65536"])
        let stuck = try WebSocketClient(port: server.port, receiveBuffer: 4096)
        try stuck.register("Stuck")
        try stuck.sendText("join,lobby")
        try stuck.expect("joined,lobby,1")
        let watcher = try server.registered("Watcher")[0]
        try watcher.send("join,lobby\n")
        try watcher.expect("joined,lobby,2")
        let text = String(repeating: "m", count: 1000)
        try watcher.send(String(repeating: "say,lobby,\(text)\n", count: 2000))
        try watcher.send("ping,done\n")
        try watcher.expect("quit,Stuck,")
        try watcher.expect("pong,done")
    }
}
