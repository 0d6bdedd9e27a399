import Testing

/// Clients that go away without `quit`, and clients that close only their sending side.
@Suite struct DisconnectTests {
    enum Vanish: String, CaseIterable, Sendable {
        case close, reset
    }

    @Test(arguments: Vanish.allCases)
    func aVanishedClientIsGoneFromItsRoomsAndItsNameIsFree(how: Vanish) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Bob", "Outsider")
        try server.join("one", Array(clients[0...2]))
        try server.join("two", Array(clients[0...1]))
        switch how {
        case .close: clients[0].close()
        case .reset: clients[0].resetClose()
        }
        try clients[1].expect("quit,Jane,")
        try clients[2].expect("quit,Jane,")
        #expect(try clients[1].sync() == [], "one notice per recipient")
        #expect(try clients[3].sync() == [], "no notice outside its rooms")
        let newcomer = try server.connect()
        try newcomer.send("register,jane\n")
        try newcomer.expect("ack,jane")
        try clients[1].send("who,one\nwho,two\nlist\n")
        #expect(CommandsTests.names(in: try clients[1].readLine(), verb: "who") == ["Bob", "Zak", "one"])
        try clients[1].expect("who,two,Zak")
        #expect(CommandsTests.names(in: try clients[1].readLine(), verb: "list") == ["Bob", "Outsider", "Zak", "jane"])
    }

    @Test(arguments: Vanish.allCases)
    func aVanishedLastMemberTakesTheRoomWithIt(how: Vanish) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("solo", [clients[0]])
        try server.join("shared", clients)
        switch how {
        case .close: clients[0].close()
        case .reset: clients[0].resetClose()
        }
        try clients[1].expect("quit,Jane,")
        try clients[1].send("rooms\n")
        try clients[1].expect("rooms,shared")
    }

    @Test(arguments: Vanish.allCases)
    func anUnregisteredClientVanishingDisturbsNobody(how: Vanish) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane")
        try server.join("lobby", clients)
        let stranger = try server.connect()
        #expect(try stranger.sync() == [])
        switch how {
        case .close: stranger.close()
        case .reset: stranger.resetClose()
        }
        let other = try server.connect()
        #expect(try other.sync() == [])
        #expect(try clients[0].sync() == [])
    }

    @Test func halfCloseAfterAnUnterminatedLineRunsItThenCloses() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("ping,x")
        try client.halfClose()
        #expect(try client.readToEOF() == ["pong,x"])
    }

    @Test func halfCloseDropsACROfTheLastLine() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("ping,1\nping,2\r\nping,last\r")
        try client.halfClose()
        #expect(try client.readToEOF() == ["pong,1", "pong,2", "pong,last"])
    }

    @Test func halfCloseAfterCompleteLinesAnswersThemAll() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("register,Jane\nlist\nping,done\n")
        try client.halfClose()
        #expect(try client.readToEOF() == ["ack,Jane", "list,Jane", "pong,done"])
    }

    @Test func halfCloseByARegisteredMemberDeliversItsLastWordsThenTheQuitNotice() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[0].send("say,lobby,last words")
        try clients[0].halfClose()
        #expect(try clients[0].readToEOF() == [])
        try clients[1].expect(lines: ["say,lobby,Jane,last words", "quit,Jane,"])
        let newcomer = try server.connect()
        try newcomer.send("register,Jane\n")
        try newcomer.expect("ack,Jane")
    }

    @Test func halfCloseAfterAnUnterminatedQuit() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[0].send("quit,see you")
        try clients[0].halfClose()
        #expect(try clients[0].readToEOF() == ["bye,quit"])
        try clients[1].expect("quit,Jane,see you")
        #expect(try clients[1].sync() == [])
    }

    @Test func halfCloseWithAnUnterminatedOverLongLine() throws {
        let server = try ServerProcess.start(["--max-line", "16"])
        let client = try server.connect()
        try client.send("ping,ok\n" + String(repeating: "z", count: 100))
        try client.halfClose()
        #expect(try client.readToEOF() == ["pong,ok", "error,line-too-long,16"])
    }

    @Test func otherClientsAreServedWhileOneVanishes() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered((0..<20).map { "user\($0)" })
        try server.join("crowd", clients)
        for client in clients[10...] { client.resetClose() }
        for client in clients[..<10] {
            let notices = try client.readLines(10)
            #expect(notices.sorted() == (10..<20).map { "quit,user\($0)," }.sorted())
            #expect(try client.sync() == [])
        }
    }
}
