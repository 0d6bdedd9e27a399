import Testing

/// `--telnet-port`: the threaded server's plain lines, `/nick`, `/quit` and time stamps,
/// in the dialect room with protocol v1 members, over real sockets.
@Suite struct TelnetDialectTests {
    @Test func telnetUsersJoinSayRenameAndQuitBesideV1Members() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("join,lobby\n")
        try vee.expect("joined,lobby,1")
        let (tom, tomName, _) = try chat.telnet()
        #expect(tomName.hasPrefix("127.0.0.1_"))
        try vee.expect("join,lobby,\(tomName)")

        try tom.send("hello from telnet\r\n")
        let echo = try TelnetWords.readMessage(tom)
        #expect(echo.header == "Message from \(tomName):" && echo.text == "hello from telnet")
        try vee.expect("say,lobby,\(tomName),hello from telnet")

        try vee.send("say,lobby,hi tom\n")
        let heard = try TelnetWords.readMessage(tom)
        #expect(heard.header == "Message from Vee:" && heard.text == "hi tom")

        try tom.send("/nick tom\r\n")
        #expect(TelnetWords.event(try tom.readLine()) == "\(tomName) now goes by tom")
        try vee.expect("nick,\(tomName),tom")
        try tom.send("/nick\r\n/nick ***\r\n")
        #expect(try tom.readLine() == "*** Not a usable name: *** (use letters, digits, _ - or .).\r")

        try vee.send("chat,tom,psst\n")
        let whisper = try TelnetWords.readMessage(tom)
        #expect(whisper.header == "Private message from Vee:" && whisper.text == "psst")

        // A newcomer gets the room's history in the same words, then its own arrival.
        let (ann, annName, history) = try chat.telnet(history: 2)
        #expect(history.compactMap(TelnetWords.event) == ["Message from \(tomName):", "Message from Vee:"])
        #expect(TelnetWords.event(try tom.readLine()) == "\(annName) has joined")
        try vee.expect("join,lobby,\(annName)")

        try tom.send("/quit see you\r\n")
        #expect(try tom.readAllToEOF() == "")
        #expect(TelnetWords.event(try ann.readLine()) == "tom is leaving now -- see you")
        try vee.expect("quit,tom,see you")
        ann.close()
        try vee.expect("quit,\(annName),")
    }

    @Test func badInputIsAnsweredInWordsAndAVanishedUserHasExited() throws {
        let chat = try DialectServer.start(["--max-line", "64"])
        let (ann, _, _) = try chat.telnet()
        let (bob, bobName, _) = try chat.telnet()
        _ = try ann.readLine()  // bob has joined
        try ann.send(String(repeating: "z", count: 200) + "\r\n")
        #expect(try ann.readLine() == "*** Message too long: at most 64 bytes.\r")
        try ann.send(bytes: [0xFF, 0x0D, 0x0A])
        #expect(try ann.readLine() == "*** Message dropped: it is not valid UTF-8 text.\r")
        try bob.send("half a li")
        bob.resetClose()
        #expect(TelnetWords.event(try ann.readLine()) == "\(bobName) has exited")
    }
}
