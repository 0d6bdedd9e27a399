import Testing

/// Each command of protocol v1 end to end, with the exact bytes the spec gives.
@Suite struct CommandsTests {
    /// `list,a,b,c` as its sorted names, so the order (free per the spec) does not matter.
    static func names(in line: String, verb: String) -> [String]? {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.first == verb else { return nil }
        return fields.dropFirst().sorted()
    }

    @Test func registerAnswersAckWithTheNameAsWritten() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("register,JaNe_1.x-Y\n")
        try client.expect("ack,JaNe_1.x-Y")
        #expect(try client.sync() == [])
    }

    @Test(arguments: ["list", "list,friends", "list,", "LIST,anything at all"])
    func listNamesEveryRegisteredUser(command: String) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "bob")
        _ = try server.connect()  // an unregistered connection is not listed
        try clients[0].send("\(command)\n")
        let line = try clients[0].readLine()
        #expect(Self.names(in: line, verb: "list") == ["Jane", "Zak", "bob"], "got \(line)")
    }

    @Test func chatWithoutTextSendsHi() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try clients[0].send("chat,Zak\n")
        try clients[1].expect("chat,Jane,hi")
        #expect(try clients[0].sync() == [])
        #expect(try clients[1].sync() == [])
    }

    @Test(arguments: [
        ("chat,Zak,hello", "chat,Jane,hello"),
        ("chat,Zak,", "chat,Jane,"),
        ("chat,Zak,hello, all, of you", "chat,Jane,hello, all, of you"),
        ("chat,Zak,  spaced  text\t", "chat,Jane,  spaced  text\t"),
        ("chat, Zak ,x", "chat,Jane,x"),
        ("chat,zak,any case", "chat,Jane,any case"),
        ("chat,Zak,héllo wörld ✓", "chat,Jane,héllo wörld ✓"),
    ])
    func chatDeliversTheTextAsSent(command: String, delivered: String) throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try clients[0].send("\(command)\n")
        try clients[1].expect(delivered)
        #expect(try clients[0].sync() == [], "the sender gets nothing on success")
    }

    @Test func chatWithOneselfIsAllowed() throws {
        let server = try ServerProcess.start()
        let jane = try server.registered("Jane")[0]
        try jane.send("chat,jane,note to self\n")
        try jane.expect("chat,Jane,note to self")
    }

    @Test func joinAnswersJoinedWithTheCountAndTellsTheOthers() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Bob")
        try clients[0].send("join,Lobby\n")
        try clients[0].expect("joined,Lobby,1")
        try clients[1].send("join,LOBBY\n")
        try clients[1].expect("joined,Lobby,2")  // shown as its creator wrote it
        try clients[0].expect("join,Lobby,Zak")
        try clients[2].send("join, lobby \n")
        try clients[2].expect("joined,Lobby,3")
        try clients[0].expect("join,Lobby,Bob")
        try clients[1].expect("join,Lobby,Bob")
        for client in clients { #expect(try client.sync() == []) }
    }

    @Test func sayGoesToEveryOtherMemberOnly() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Outsider")
        try server.join("lobby", Array(clients[0...1]))
        try clients[1].send("say,lobby,hello, all\n")
        try clients[0].expect("say,lobby,Zak,hello, all")
        try clients[1].send("say,LOBBY,\n")
        try clients[0].expect("say,lobby,Zak,")
        #expect(try clients[1].sync() == [])
        #expect(try clients[2].sync() == [])
    }

    @Test func leaveAnswersLeftAndTellsTheOthers() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[1].send("leave,Lobby\n")
        try clients[1].expect("left,lobby")
        try clients[0].expect("leave,lobby,Zak")
        try clients[0].send("say,lobby,anyone?\n")
        #expect(try clients[1].sync() == [], "a member who left gets nothing")
    }

    @Test func roomsListsRoomsWithMembers() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try clients[0].send("rooms\n")
        try clients[0].expect("rooms")
        try clients[0].send("join,Alpha\njoin,beta\n")
        try clients[0].expect(lines: ["joined,Alpha,1", "joined,beta,1"])
        try clients[1].send("ROOMS\n")
        #expect(Self.names(in: try clients[1].readLine(), verb: "rooms") == ["Alpha", "beta"])
        try clients[0].send("leave,alpha\n")
        try clients[0].expect("left,Alpha")
        try clients[1].send("rooms\n")
        try clients[1].expect("rooms,beta")
    }

    @Test func whoListsMembersWithoutMembershipNeeded() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Asker")
        try server.join("lobby", Array(clients[0...1]))
        try clients[2].send("who,LOBBY\n")
        let line = try clients[2].readLine()
        #expect(line.hasPrefix("who,lobby,"))
        #expect(Self.names(in: line, verb: "who") == ["Jane", "Zak", "lobby"], "got \(line)")
    }

    @Test func pingEchoesTheTokenByteForByte() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()  // works before register
        for (command, reply) in [("ping", "pong"), ("ping,", "pong,"), ("PING,abc", "pong,abc"),
                                 ("ping, a,b , c ", "pong, a,b , c "), ("ping,ünïcödé ✓", "pong,ünïcödé ✓")] {
            try client.send("\(command)\n")
            try client.expect(reply)
        }
    }

    @Test func helpNamesAllTwelveVerbs() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()  // works before register
        try client.send("help\n")
        let line = try client.readLine()
        #expect(line.hasPrefix("help,"))
        let words = Set(line.dropFirst("help,".count).split { !$0.isLetter }.map { $0.lowercased() })
        for verb in ["register", "list", "chat", "join", "say", "leave", "rooms", "who", "nick", "quit", "ping", "help"] {
            #expect(words.contains(verb), "help does not name \(verb): \(line)")
        }
        #expect(try client.sync() == [], "help is one line")
    }

    @Test(arguments: ["REGISTER,bob", "Register,bob", "rEgIsTeR,bob", "  register\t, bob \t"])
    func verbsAreCaseInsensitiveAndTrimmed(command: String) throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("\(command)\n")
        try client.expect("ack,bob")
        try client.send("Chat,bob\nJOIN,room\nSay,room,x\nWHO,room\nLeave,room\nPing\nHELP\nList\nrooms\n")
        try client.expect(lines: ["chat,bob,hi", "joined,room,1", "who,room,bob", "left,room", "pong"])
        #expect(try client.readLine().hasPrefix("help,"))
        try client.expect(lines: ["list,bob", "rooms"])
    }
}
