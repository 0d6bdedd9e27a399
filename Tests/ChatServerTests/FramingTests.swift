import Testing

/// Line framing: CRLF, blank lines, pipelining, lines in pieces.
@Suite struct FramingTests {
    @Test func crlfIsAcceptedAndTheCRDropped() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Zak")
        let client = try server.connect()
        try client.send("register,Jane\r\nping,tok\r\nchat,Zak,text\r\n")
        try client.expect(lines: ["ack,Jane", "pong,tok"])
        try clients[0].expect("chat,Jane,text")
        #expect(try client.sync() == [])
    }

    @Test func onlyOneCRBeforeTheLFIsDropped() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("ping,a\r\r\nping,b\rc\n")
        try client.expect(lines: ["pong,a\r", "pong,b\rc"])
    }

    @Test func blankLinesAreIgnored() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        try client.send("\n\n   \n\t \t\n\r\n \r\nping,after\n")
        #expect(try client.readLine() == "pong,after")
        try client.send("register,Jane\n\n  \nlist\n")
        try client.expect(lines: ["ack,Jane", "list,Jane"])
        #expect(try client.sync() == [])
    }

    @Test func pipelinedCommandsAreAnsweredInOrder() throws {
        let server = try ServerProcess.start()
        let zak = try server.registered("Zak")[0]
        let client = try server.connect()
        var batch = "register,Jane\njoin,lobby\n"
        for index in 0..<500 { batch += "ping,\(index)\nchat,Zak,\(index)\n" }
        batch += "leave,lobby\n"
        try client.send(batch)
        try client.expect(lines: ["ack,Jane", "joined,lobby,1"])
        try client.expect(lines: (0..<500).map { "pong,\($0)" })
        try client.expect("left,lobby")
        try zak.expect(lines: (0..<500).map { "chat,Jane,\($0)" })
        #expect(try client.sync() == [])
    }

    @Test func aCommandSentOneByteAtATimeWorks() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        for byte in Array("register,Jane\r\nping,dribbled, with commas\n".utf8) { try client.send(bytes: [byte]) }
        try client.expect(lines: ["ack,Jane", "pong,dribbled, with commas"])
        #expect(try client.sync() == [])
    }

    @Test func aMultibyteCharacterSplitAcrossWritesIsKept() throws {
        let server = try ServerProcess.start()
        let client = try server.connect()
        let bytes = Array("ping,✓é\n".utf8)
        for byte in bytes { try client.send(bytes: [byte]) }
        try client.expect("pong,✓é")
    }

    @Test func freeTextKeepsCommasAndSpaces() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        try clients[0].send("say,lobby, ,lead, and trail , \n")
        try clients[1].expect("say,lobby,Jane, ,lead, and trail , ")
    }
}
