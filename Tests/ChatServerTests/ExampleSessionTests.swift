import Testing

/// The example session of protocol.md, line for line, across two clients.
@Suite struct ExampleSessionTests {
    @Test func theSpecExampleSession() throws {
        let server = try ServerProcess.start()
        let c1 = try server.connect()
        let c2 = try server.connect()

        try c1.send("register,Jane\n")
        try c1.expect("ack,Jane")
        try c2.send("register,Zak\n")
        try c2.expect("ack,Zak")
        try c1.send("list,friends\n")
        let list = try c1.readLine()  // the spec shows list,Jane,Zak; the order is free
        #expect(list == "list,Jane,Zak" || list == "list,Zak,Jane", "got \(list)")
        try c1.send("chat,Zak\n")
        try c2.expect("chat,Jane,hi")
        try c1.send("join,lobby\n")
        try c1.expect("joined,lobby,1")
        try c2.send("join,lobby\n")
        try c2.expect("joined,lobby,2")
        try c1.expect("join,lobby,Zak")
        try c2.send("say,lobby,hello, all\n")
        try c1.expect("say,lobby,Zak,hello, all")
        try c1.send("chat,Bob,yo\n")
        try c1.expect("error,no-such-user,Bob")
        #expect(try c2.sync() == [], "Zak got nothing else so far")
        try c1.send("quit,bye now\n")
        #expect(try c1.readToEOF() == ["bye,quit"])
        try c2.expect("quit,Jane,bye now")
        #expect(try c2.sync() == [])
    }

    @Test func theClassicClientFlow() throws {
        // The classic teaching client: register, list,friends, chat with text.
        let server = try ServerProcess.start()
        let clients = try server.registered("alice", "bob")
        try clients[0].send("list,friends\nchat,bob,how are you?\n")
        #expect(CommandsTests.names(in: try clients[0].readLine(), verb: "list") == ["alice", "bob"])
        try clients[1].expect("chat,alice,how are you?")
        try clients[1].send("chat,alice,fine, thanks\n")
        try clients[0].expect("chat,bob,fine, thanks")
        #expect(try clients[0].sync() == [])
        #expect(try clients[1].sync() == [])
    }
}
