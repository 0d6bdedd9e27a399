import Testing

/// The slow-consumer limit over WebSocket: the same lifecycle as on TCP (LimitsTests has TCP and TLS).
@Suite struct TransportLimitsTests {
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
        try watcher.send(String(repeating: "say,lobby,\(text)\n", count: KernelSendBuffer.linesToOverflow(lineBytes: 1000, pending: 65536)))
        try watcher.send("ping,done\n")
        try watcher.expect("quit,Stuck,")
        try watcher.expect("pong,done")
    }
}
