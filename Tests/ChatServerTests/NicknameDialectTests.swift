import Testing

/// `--nickname-port`: the chat room that asks GET_NAME, in the dialect room with
/// protocol v1 members, over real sockets.
@Suite struct NicknameDialectTests {
    @Test func chatRoomUsersAndV1MembersOfTheRoomSeeEachOther() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("join,lobby\n")
        try vee.expect("joined,lobby,1")
        let alice = try chat.nickname("Alice")
        try vee.expect("join,lobby,Alice")
        let bob = try chat.nickname("Bob")
        try alice.expect("Bob joined!")
        try vee.expect("join,lobby,Bob")

        try alice.send("Alice: hello, all")  // that client puts its own nickname first
        try bob.expect("Alice: hello, all")
        try vee.expect("say,lobby,Alice,hello, all")
        try vee.send("say,lobby,h\u{e9}llo from v1\n")
        try alice.expect("Vee: h?llo from v1")
        try bob.expect("Vee: h?llo from v1")
        try vee.send("chat,Bob,psst\n")
        try bob.expect("Vee (private): psst")

        try bob.send("Bob: q")
        #expect(try bob.readAllToEOF() == "")
        try alice.expect("Bob left!")
        try vee.expect("quit,Bob,")
        try alice.send("nobody's prefix")
        try vee.expect("say,lobby,Alice,nobody's prefix")
        alice.close()
        try vee.expect("quit,Alice,")
    }

    @Test func aTakenOrUnusableNicknameIsToldSoAndClosed() throws {
        let chat = try DialectServer.start()
        let alice = try chat.nickname("Alice")
        let twin = try LineClient(port: chat.nicknamePort)
        try twin.expect(text: "GET_NAME")
        try twin.send("alice")
        #expect(try twin.readAllToEOF() == "The name alice is taken.\n")
        let symbols = try LineClient(port: chat.nicknamePort)
        try symbols.expect(text: "GET_NAME")
        try symbols.send("***")
        #expect(try symbols.readAllToEOF() == "Not a usable name: *** (use letters, digits, _ - or .).\n")
        let spaced = try chat.nickname("Jane Doe", mapped: "Jane_Doe")
        try spaced.send("Jane Doe: hi")
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("who,lobby\n")
        #expect(sortedFields(of: try vee.readLine(), after: "who,lobby") == ["Alice", "Jane_Doe"])
        #expect(try alice.readLine() == "Jane_Doe joined!")
    }

    @Test func badInputIsAnsweredInWordsAndTheUserStays() throws {
        let chat = try DialectServer.start(["--max-line", "64"])
        let alice = try chat.nickname("Alice")
        let bob = try chat.nickname("Bob")
        try alice.expect("Bob joined!")
        try alice.send(String(repeating: "y", count: 300))
        try alice.expect("Message too long: at most 64 bytes.")
        try alice.send(bytes: [0xC3, 0x28])
        try alice.expect("Message dropped: it is not valid UTF-8 text.")
        try alice.send("Alice: fine again")
        try bob.expect("Alice: fine again")

        // Vanishing before answering GET_NAME, or in the middle of it, registers no one.
        let shy = try LineClient(port: chat.nicknamePort)
        try shy.expect(text: "GET_NAME")
        try shy.send("Cha")
        shy.resetClose()
        let charlie = try chat.nickname("Charlie")
        try alice.expect("Charlie joined!")
        try bob.expect("Charlie joined!")
        _ = charlie
    }
}
