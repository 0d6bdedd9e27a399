import Testing

/// `--classic-port`: the lesson's register/list/chat protocol, byte for byte, in one chat
/// with protocol v1 users, over real sockets.
@Suite struct ClassicDialectTests {
    @Test func classicUsersAndV1UsersChatBothWays() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        let jane = try chat.classic("Jane")
        let zak = try chat.classic("Zak")

        try jane.send("list,friends")
        let names = try jane.readText(bytes: "Jane,Zak,Vee".utf8.count)
        #expect(Set(names.split(separator: ",")) == ["Jane", "Zak", "Vee"])

        try jane.send("chat,Zak")
        try zak.expect("Jane says hi")
        try jane.send("chat,Vee")
        try vee.expect("chat,Jane,hi")
        try vee.send("chat,Zak,hello, Zak\n")
        try zak.expect("Vee says hello, Zak")
        try vee.send("list\n")
        #expect(sortedFields(of: try vee.readLine(), after: "list") == ["Jane", "Vee", "Zak"])
    }

    @Test func aCommandEndsAtANewlineOrAQuietGap() throws {
        // A gap of 2 s (the last --quiet-gap given wins): the two sends below come well inside
        // it on any machine, however slow (20 ms, the other tests' gap, is a scheduler's slice).
        let chat = try DialectServer.start(["--quiet-gap", "2"])
        // A person with nc ends each command with a newline; pipelined commands are answered in order.
        let typist = try LineClient(port: chat.classicPort)
        try typist.send("register,Typist\r\nlist,friends\n")
        try typist.expect(text: "ackTypist")
        // A command split over two sends inside the gap is still one command.
        let dribbler = try LineClient(port: chat.classicPort)
        try dribbler.send("regis")
        try dribbler.send("ter,Dribbler")
        try dribbler.expect(text: "ack")
    }

    @Test func freeFormNamesAreMappedOntoTheNameRules() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        let jane = try chat.classic("Jane Doe")
        let zak = try chat.classic("Zak")
        try zak.send("chat,Jane Doe")
        try jane.expect("Zak says hi")
        try vee.send("chat,Jane_Doe,mapped\n")
        try jane.expect("Vee says mapped")
        let clash = try LineClient(port: chat.classicPort)
        try clash.send("register,jane doe")
        try clash.expect("The name jane_doe is taken.")
        try clash.send("register,!!!")
        try clash.expect("Not a usable name: !!! (use 1 to 32 of A-Z a-z 0-9 _ - .).")
        try clash.send("chat,Nobody")
        try clash.expect("Register first: register,<name>.")
        try zak.send("chat,Nobody")
        try zak.expect("No user by the name <Nobody>.")
    }

    @Test func badInputIsAnsweredInWordsAndTheConnectionStaysUsable() throws {
        let chat = try DialectServer.start(["--max-line", "64"])
        let vee = try chat.server.registered("Vee")[0]
        let jane = try chat.classic("Jane")
        try jane.send("chat,Vee," + String(repeating: "x", count: 500))
        try jane.expect("Message too long: at most 64 bytes.")
        try jane.send(bytes: Array("chat,Vee,".utf8) + [0xFF, 0xFE])
        try jane.expect("Message dropped: it is not valid UTF-8 text.")
        try jane.send("chat,Vee,still here")
        try vee.expect("chat,Jane,still here")

        // A client that vanishes in the middle of a command leaves nothing behind.
        let vanishing = try LineClient(port: chat.classicPort)
        try vanishing.send("register,Ghost")
        vanishing.resetClose()
        let late = try chat.classic("Late")
        try late.send("list,friends")
        let names = try late.readText(bytes: "Vee,Jane,Late".utf8.count)
        #expect(Set(names.split(separator: ",")) == ["Vee", "Jane", "Late"])
        #expect(try vee.sync() == [])
    }
}
