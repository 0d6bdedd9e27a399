import Testing

/// `--max-line`: lines at the limit pass, longer ones get one `line-too-long`
/// each, however they arrive, and the connection stays usable.
@Suite struct LineLimitTests {
    /// `ping,` and filler up to `length` bytes.
    static func ping(length: Int) -> String {
        "ping," + String(repeating: "x", count: length - 5)
    }

    @Test(arguments: [16, 4096])
    func aLineAtTheLimitIsAcceptedAndOneByteMoreIsNot(limit: Int) throws {
        let server = try ServerProcess.start(limit == 4096 ? [] : ["--max-line", "\(limit)"])
        let client = try server.connect()
        let atLimit = Self.ping(length: limit)
        try client.send("\(atLimit)\n\(atLimit)\r\n")
        let reply = "pong," + String(repeating: "x", count: limit - 5)
        try client.expect(lines: [reply, reply])
        try client.send("\(Self.ping(length: limit + 1))\nping,good\n")
        try client.expect(lines: ["error,line-too-long,\(limit)", "pong,good"])
        try client.send("\(Self.ping(length: limit + 1))\r\nping,good again\n")
        try client.expect(lines: ["error,line-too-long,\(limit)", "pong,good again"])
        #expect(try client.sync() == [])
    }

    @Test(arguments: [16, 4096])
    func aMuchLongerLineGetsOneErrorAndTheConnectionStaysUsable(limit: Int) throws {
        let server = try ServerProcess.start(limit == 4096 ? [] : ["--max-line", "\(limit)"])
        let client = try server.registered("Jane")[0]
        try client.send(String(repeating: "y", count: limit * 50) + "\nlist\n")
        try client.expect(lines: ["error,line-too-long,\(limit)", "list,Jane"])
        #expect(try client.sync() == [])
    }

    @Test(arguments: [16, 4096])
    func anOverLongLineInPiecesIsAnsweredOnceBeforeItsEnd(limit: Int) throws {
        let server = try ServerProcess.start(limit == 4096 ? [] : ["--max-line", "\(limit)"])
        let client = try server.connect()
        // More than limit + 1 bytes without LF: the error comes at once, before the line ends.
        let piece = "0123456789"
        for _ in 0...((limit + 2) / piece.count) { try client.send(piece) }
        try client.expect("error,line-too-long,\(limit)")
        // More of the same line, in many pieces, and bytes that would be bad on their own.
        for _ in 0..<200 { try client.send(piece + "register,nope") }
        try client.send(bytes: [0xFF, 0x00])
        try client.send("still the same line\nping,after\n")
        try client.expect("pong,after")
        #expect(try client.sync() == [], "one error for one long line")
        try client.send("register,Jane\n")
        try client.expect("ack,Jane")
    }

    @Test func lineTooLongWinsOverBadUTF8() throws {
        let server = try ServerProcess.start(["--max-line", "16"])
        let client = try server.connect()
        try client.send(bytes: Array(repeating: 0xFF, count: 40) + [0x0A])
        try client.expect("error,line-too-long,16")
        #expect(try client.sync() == [])
    }

    @Test func aLineAtTheLimitWithItsCRInALaterPieceIsAccepted() throws {
        let server = try ServerProcess.start(["--max-line", "16"])
        let client = try server.connect()
        // limit + 1 bytes without LF is still allowed: the last may be a CR.
        try client.send(Self.ping(length: 16))
        try client.send("\r")
        try client.send("\nping,next\n")
        try client.expect(lines: ["pong," + String(repeating: "x", count: 11), "pong,next"])
    }

    @Test(arguments: [("ping,12345678901", "pong,12345678901"), ("ping,12345678901\r", "pong,12345678901"),
                      ("ping,123456789012", "error,line-too-long,16")])
    func anUnterminatedLastLineIsHeldToTheLimitToo(last: String, reply: String) throws {
        let server = try ServerProcess.start(["--max-line", "16"])
        let client = try server.connect()
        try client.send(last)
        try client.halfClose()
        #expect(try client.readToEOF() == [reply])
    }

    @Test func serverLinesHaveNoLengthLimit() throws {
        let server = try ServerProcess.start(["--max-line", "48"])
        let names = (0..<40).map { String(repeating: "u", count: 30) + ($0 < 10 ? "0\($0)" : "\($0)") }
        let clients = try server.registered(names)
        try clients[0].send("list\n")
        let line = try clients[0].readLine()
        #expect(line.utf8.count > 40 * 32)
        #expect(CommandsTests.names(in: line, verb: "list") == names.sorted())
    }
}
