import Testing

/// `nick` and `quit`, with the notices they send to room mates.
@Suite struct NickQuitTests {
    @Test func nickAcksAndTellsEachRoomMateOnce() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Bob", "Loner")
        try server.join("one", Array(clients[0...2]))
        try server.join("two", Array(clients[0...1]))  // Zak shares two rooms with Jane
        try clients[0].send("nick,Janet\n")
        try clients[0].expect("ack,Janet")
        try clients[1].expect("nick,Jane,Janet")
        try clients[2].expect("nick,Jane,Janet")
        for client in clients { #expect(try client.sync() == [], "one notice per recipient, none to others") }
        // The new name is the one in use; the old one is free again.
        try clients[3].send("list\nchat,Janet,to the new name\n")
        #expect(CommandsTests.names(in: try clients[3].readLine(), verb: "list") == ["Bob", "Janet", "Loner", "Zak"])
        try clients[0].expect("chat,Loner,to the new name")
        let newcomer = try server.connect()
        try newcomer.send("register,jane\n")
        try newcomer.expect("ack,jane")
    }

    @Test func nickToAnotherSpellingOfTheSameNameSendsNotices() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[0].send("nick,JANE\n")
        try clients[0].expect("ack,JANE")
        try clients[1].expect("nick,Jane,JANE")
        try clients[1].send("list\n")
        #expect(CommandsTests.names(in: try clients[1].readLine(), verb: "list") == ["JANE", "Zak"])
    }

    @Test func nickToExactlyTheCurrentNameOnlyAcks() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[0].send("nick, Jane \n")
        try clients[0].expect("ack,Jane")
        #expect(try clients[1].sync() == [])
    }

    @Test func nickOutsideAnyRoomSendsNoNotice() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try clients[0].send("nick,Janet\n")
        try clients[0].expect("ack,Janet")
        #expect(try clients[1].sync() == [])
    }

    @Test(arguments: [("quit,bye now", "quit,Jane,bye now"), ("quit", "quit,Jane,"), ("QUIT,", "quit,Jane,"),
                      ("quit,a, b ,c ", "quit,Jane,a, b ,c ")])
    func quitSaysByeClosesAndTellsRoomMatesOnce(command: String, notice: String) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Bob")
        try server.join("one", Array(clients[0...1]))
        try server.join("two", Array(clients[0...1]))
        try clients[0].send("\(command)\n")
        #expect(try clients[0].readToEOF() == ["bye,quit"])
        try clients[1].expect(notice)
        #expect(try clients[1].sync() == [], "one notice per recipient")
        #expect(try clients[2].sync() == [], "no notice outside the rooms")
        try clients[1].send("who,one\n")
        try clients[1].expect("who,one,Zak")
        let again = try server.connect()
        try again.send("register,JANE\n")
        try again.expect("ack,JANE")
    }

    @Test func quitBeforeRegisterJustSaysBye() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("quit,never mind\n")
        #expect(try client.readToEOF() == ["bye,quit"])
    }

    @Test func linesAfterQuitAreNotAnswered() throws {
        let server = try ServerProcess.start()
        let client = try server.registered("Jane")[0]
        try client.send("ping,before\nquit\nping,after\nlist\n")
        #expect(try client.readToEOF() == ["pong,before", "bye,quit"])
    }
}
