import Testing

/// Connection-level abuse: silence, half-close, resets mid-line and mid-session,
/// and a thousand connect/close cycles.
extension HostileInputTests {
    @Test func aConnectionThatSaysNothingIsToldNothing() throws {
        let server = try ServerProcess.start()
        let silent = try (0..<3).map { _ in try server.connect() }
        let clients = try server.registered("Jane", "Zak", "Bob")
        try server.join("lobby", clients)
        let (jane, zak, bob) = (clients[0], clients[1], clients[2])
        try jane.send("say,lobby,hello\nchat,Zak,psst\nnick,Janet\nlist\n")
        try jane.expect("ack,Janet")
        #expect(CommandsTests.names(in: try jane.readLine(), verb: "list") == ["Bob", "Janet", "Zak"])
        try zak.expect(lines: ["say,lobby,Jane,hello", "chat,Jane,psst", "nick,Jane,Janet"])
        try bob.expect(lines: ["say,lobby,Jane,hello", "nick,Jane,Janet"])
        try bob.send("quit,gone\n")
        #expect(try bob.readToEOF() == ["bye,quit"])
        try jane.expect("quit,Bob,gone")
        zak.close()
        try jane.expect("quit,Zak,")
        let late = try server.connect()
        for client in silent + [late] {
            #expect(try client.sync() == [], "nothing unprompted before register")
        }
        try silent[0].send("register,Bob\n")
        try silent[0].expect("ack,Bob")
        try server.expectHealthy()
    }

    @Test func halfCloseAfterACommandStillGetsTheReplyThenEOF() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        let (jane, zak) = (clients[0], clients[1])
        try jane.send(bytes: [0xFF, 0x0A] + Array("who,lobby".utf8))
        try jane.halfClose()
        let lines = try jane.readToEOF()
        #expect(lines.count == 2)
        #expect(lines.first == "error,bad-utf8")
        #expect(CommandsTests.names(in: lines.last ?? "", verb: "who") == ["Jane", "Zak", "lobby"])
        try zak.expect("quit,Jane,")
        #expect(try zak.sync() == [])
        try server.expectHealthy("1")

        let stranger = try server.connect()
        try stranger.send("frobnicate\n")
        try stranger.halfClose()
        #expect(try stranger.readToEOF() == ["error,unknown-command,frobnicate"])
        let nul = try server.connect()
        try nul.send(bytes: Array("ping,".utf8) + [0x00])
        try nul.halfClose()
        #expect(try nul.readToEOF() == ["error,bad-utf8"])
        let back = try server.connect()
        try back.send("register,Jane\n")
        try back.expect("ack,Jane")
        try server.expectHealthy("2")
    }

    @Test func resetMidLineAndMidSessionTellsTheRoomsQuit() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Bob")
        let (jane, zak, bob) = (clients[0], clients[1], clients[2])
        try server.join("lobby", clients)
        try server.join("side", [jane, zak])
        try server.join("solo", [jane])
        try jane.send("say,lobby,hi all\nsay,side,unfinish")
        try zak.expect("say,lobby,Jane,hi all")
        try bob.expect("say,lobby,Jane,hi all")
        jane.resetClose()
        try zak.expect("quit,Jane,")
        try bob.expect("quit,Jane,")
        #expect(try zak.sync() == [], "one notice per recipient, and the unfinished line is never run")
        #expect(try bob.sync() == [])
        try zak.send("rooms\nwho,side\n")
        #expect(CommandsTests.names(in: try zak.readLine(), verb: "rooms") == ["lobby", "side"])
        try zak.expect("who,side,Zak")
        let back = try server.connect()
        try back.send("register,jane\n")
        try back.expect("ack,jane")
        try server.expectHealthy("1")

        // A reset with an over-long line half sent, its error still unread.
        let long = try server.registered("Longer")[0]
        try long.send("join,lobby\n")
        try long.expect("joined,lobby,3")
        try zak.expect("join,lobby,Longer")
        try bob.expect("join,lobby,Longer")
        try long.send(String(repeating: "z", count: 10_000))
        long.resetClose()
        try zak.expect("quit,Longer,")
        try bob.expect("quit,Longer,")
        try server.expectHealthy("2")

        // A reset with thousands of replies queued for it and unread.
        let flood = try server.registered("Flood")[0]
        try flood.send("join,side\n" + (0..<20_000).map { "ping,\($0)\n" }.joined())
        try zak.expect("join,side,Flood")
        flood.resetClose()
        try zak.expect("quit,Flood,")
        #expect(try zak.sync() == [])
        #expect(try bob.sync() == [])
        try server.expectHealthy("3")
    }

    @Test func aThousandConnectCloseCyclesLeaveTheServerAsItWas() throws {
        let server = try ServerProcess.start()
        let pid = server.process.processIdentifier
        let watcher = try server.registered("Watcher")[0]
        try server.join("spin", [watcher])
        for cycle in 0..<1000 {
            let client = try server.connect()
            switch cycle % 5 {
            case 0:
                // Registers the same name as the cycle before: it must have been freed.
                let name = ["Cycler", "cycler", "CYCLER"][cycle / 5 % 3]
                try client.send("register,\(name)\njoin,spin\n")
                try client.expect(lines: ["ack,\(name)", "joined,spin,2"])
                try watcher.expect("join,spin,\(name)")
                switch cycle / 5 % 3 {
                case 0:
                    client.close()
                    try watcher.expect("quit,\(name),")
                case 1:
                    client.resetClose()
                    try watcher.expect("quit,\(name),")
                default:
                    try client.send("quit,done\n")
                    #expect(try client.readToEOF() == ["bye,quit"])
                    try watcher.expect("quit,\(name),done")
                }
            case 1: client.close()
            case 2: client.resetClose()
            case 3:
                try client.send("ping,\(cycle)")
                client.close()
            default:
                try client.send(bytes: Array("join,x".utf8) + [0x00])
                client.resetClose()
            }
        }
        #expect(try watcher.sync() == [])
        try watcher.send("who,spin\n")
        try watcher.expect("who,spin,Watcher")
        let kib = try Hostile.residentKiB(of: pid)
        #expect(kib < 64 << 10, "VmRSS is \(kib) KiB after 1,000 cycles")
        let cycler = try server.connect()
        try cycler.send("register,Cycler\n")
        try cycler.expect("ack,Cycler")
        try server.expectHealthy()
    }
}
