import Testing

/// Hostile bytes over real sockets: garbage, over-long and endless lines, bad UTF-8,
/// floods of unknown commands and bad names. The server must answer only protocol
/// lines, keep every connection usable, and stay healthy. Connection-level abuse
/// (silence, half-close, resets, churn) is in HostileInputTests+Connections.swift.
@Suite struct HostileInputTests {
    /// Several KB of seeded garbage: random bytes (NUL, 0xFF, lone CRs included) or printable
    /// junk (tabs, CRs and commas included), alone or after a real verb, split by LFs at random.
    static func garbage(seed: UInt64, size: Int = 8192) -> (bytes: [UInt8], lines: [[UInt8]]) {
        var random = SeededRandom(seed: seed)
        let verbs = ["ping", "PING", " chat\t", "join", "say", "who", "list", "register", "help", "leave", "rooms"]
        var lines: [[UInt8]] = [[0x00, 0xFF, 0x0D, 0x61], [0x0D], [0x61, 0x0D, 0x62]]
        var total = lines.reduce(0) { $0 + $1.count + 1 }
        while total < size {
            let length = Int.random(in: 0...80, using: &random)
            let kind = Int.random(in: 0..<4, using: &random)
            var line = kind.isMultiple(of: 2) ? random.bytes(length)
                : random.bytes(length, in: 0x09...0x7E).map { $0 == 0x0B || $0 == 0x0C ? 0x0D : $0 }
            if kind >= 2 { line = Array((verbs.randomElement(using: &random)! + ",").utf8) + line }
            line = line.map { $0 == 0x0A ? 0xFF : $0 }
            lines.append(line)
            total += line.count + 1
        }
        return (lines.flatMap { $0 + [0x0A] }, lines)
    }

    /// Sends `bytes` in seeded random pieces of 1 to 1,500 bytes.
    static func sendInPieces(_ bytes: [UInt8], to client: LineClient, seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Int.random(in: 1...1500, using: &random))
            try client.send(bytes: Array(bytes[offset..<end]))
            offset = end
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64], [false, true])
    func randomGarbageGetsOnlyProtocolLinesOnePerLine(seed: UInt64, registered: Bool) throws {
        let server = try ServerProcess.start()
        let zak = try server.registered("Zak")[0]
        let client: LineClient
        if registered {
            client = try server.registered("Jane")[0]
            try server.join("lobby", [zak, client])
        } else {
            client = try server.connect()
        }
        let (bytes, lines) = Self.garbage(seed: seed)
        try Self.sendInPieces(bytes, to: client, seed: seed)
        for (index, line) in lines.enumerated() {
            guard let expected = Hostile.expected(for: line, limit: 4096) else { continue }
            let reply = try client.readLine()
            #expect(Hostile.isProtocolLine(reply), "line \(index) \(line) got \(reply.debugDescription)")
            if case .oneOf(let replies) = expected {
                #expect(replies.contains(reply), "line \(index) \(line) got \(reply.debugDescription)")
            }
        }
        #expect(try client.sync() == [], "one reply per non-blank line")
        #expect(try zak.sync() == [], "garbage reaches nobody else")
        try client.send("ping,still here\n")
        try client.expect("pong,still here")
        try server.expectHealthy()
    }

    @Test func overLongLinesThenGoodLinesWithAShortLimit() throws {
        let server = try ServerProcess.start(["--max-line", "64"])
        let zak = try server.registered("Zak")[0]
        let client = try server.connect()
        var random = SeededRandom(seed: 64)
        let junk = random.bytes(200).map { $0 == 0x0A ? 0x00 : $0 }
        let text = String(repeating: "t", count: 64 - "chat,Zak,".count)
        var batch: [UInt8] = Array((String(repeating: "x", count: 65) + "\nregister,Jane\n").utf8)
        batch += Array((String(repeating: "y", count: 64) + "\r\r\nchat,Zak,after CRs\n").utf8)
        batch += junk + Array("\nchat,Zak,after junk\n".utf8)
        batch += Array((String(repeating: "ping,a\r", count: 20) + "\nchat,Zak,\(text)\n").utf8)
        batch += Array(repeating: 0xFF, count: 64) + [0x0A] + Array(repeating: 0xFF, count: 65) + [0x0A]
        try client.send(bytes: batch)
        try client.expect(lines: ["error,line-too-long,64", "ack,Jane", "error,line-too-long,64",
                                  "error,line-too-long,64", "error,line-too-long,64",
                                  "error,bad-utf8", "error,line-too-long,64"])
        #expect(try client.sync() == [])
        try zak.expect(lines: ["chat,Jane,after CRs", "chat,Jane,after junk", "chat,Jane,\(text)"])
        #expect(try zak.sync() == [])
        try server.expectHealthy()
    }

    @Test func tenMegabytesWithoutANewlineGetOneErrorAndBoundedMemory() throws {
        // Under AddressSanitizer freed memory waits in a quarantine and counts as resident:
        // a small one keeps the figure about what the server holds.
        let server = try ServerProcess.start(environment: ["ASAN_OPTIONS": "quarantine_size_mb=1"])
        let pid = server.process.processIdentifier
        let client = try server.registered("Jane")[0]
        var random = SeededRandom(seed: 10)
        let chunks = (0..<8).map { _ in random.bytes(64 << 10).map { $0 == 0x0A ? 0x0D : $0 } }
        let baselineKiB = try Hostile.residentKiB(of: pid)
        var peakKiB = baselineKiB
        try client.send(bytes: chunks[0])
        try client.expect("error,line-too-long,4096")
        for index in 1..<160 {  // 160 × 64 KiB = 10 MiB
            try client.send(bytes: chunks[index % chunks.count])
            if index % 16 == 0 { peakKiB = max(peakKiB, try Hostile.residentKiB(of: pid)) }
        }
        try client.send("\nping,after\n")
        try client.expect("pong,after")
        #expect(try client.sync() == [], "exactly one line-too-long for the whole line")
        peakKiB = max(peakKiB, try Hostile.residentKiB(of: pid))
        // Buffering the line would take 10 MiB more: the server holds at most a read or two.
        #expect(peakKiB - baselineKiB < 6 << 10, "VmRSS went from \(baselineKiB) to \(peakKiB) KiB")
        try client.send("list\n")
        try client.expect("list,Jane")
        try server.expectHealthy()
    }

    @Test func badUTF8AndNULInsideGoodCommandsAreDroppedWhole() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        let (jane, zak) = (clients[0], clients[1])
        let ghost = try server.connect()
        try ghost.send(bytes: Array("register,Gh".utf8) + [0x00] + Array("ost\nregister,Gh".utf8) + [0xFF]
                           + Array("ost\nlist\n".utf8))
        try ghost.expect(lines: ["error,bad-utf8", "error,bad-utf8", "error,not-registered"])
        let bad: [[UInt8]] = [
            Array("chat,Zak,hi".utf8) + [0x00] + Array("there".utf8),
            Array("chat,Zak,caf".utf8) + [0xE9],
            Array("say,lobby,".utf8) + [0xC0, 0xAF],
            Array("say,lobby,a".utf8) + [0x00],
            Array("nick,Ja".utf8) + [0xFF] + Array("ne".utf8),
            Array("join,lob".utf8) + [0x00] + Array("by2".utf8),
            Array("leave,lobby".utf8) + [0xED, 0xA0, 0x80],
            Array("ping,a".utf8) + [0xC0, 0x8A] + Array("ping,b".utf8),  // an overlong LF is no line end
            Array("chat,Zak".utf8) + [0xC0, 0xAC] + Array("hidden".utf8),  // nor an overlong comma a field end
            [0x00] + Array("chat,Zak,x".utf8),
            Array("chat,Zak,x".utf8) + [0x00, 0x0D],
            Array("say,lobby,".utf8) + [0xF4, 0x90, 0x80, 0x80],
            Array("quit,bye".utf8) + [0xFE],
        ]
        try jane.send(bytes: bad.flatMap { $0 + [0x0A] })
        try jane.expect(lines: Array(repeating: "error,bad-utf8", count: bad.count))
        #expect(try jane.sync() == [])
        #expect(try zak.sync() == [], "nothing of a bad line is carried out")
        try jane.send("who,lobby\nrooms\nsay,lobby,ünï ✓\n")
        #expect(CommandsTests.names(in: try jane.readLine(), verb: "who") == ["Jane", "Zak", "lobby"])
        try jane.expect("rooms,lobby")
        try zak.expect("say,lobby,Jane,ünï ✓")
        try ghost.send("register,Ghost\n")
        try ghost.expect("ack,Ghost")
        try server.expectHealthy()
    }

    @Test(arguments: [false, true])
    func fiveThousandPipelinedUnknownCommandsAreAnsweredInOrder(registered: Bool) throws {
        let server = try ServerProcess.start()
        let client = try registered ? server.registered("Jane")[0] : server.connect()
        var batch = ""
        var replies: [String] = []
        for index in 0..<5000 {
            switch index % 5 {
            case 0: batch += " \tFrob\(index)\t ,x,y\n"; replies.append("error,unknown-command,Frob\(index)")
            case 1: batch += "x\(index) y,z\r\n"; replies.append("error,unknown-command,x\(index) y")
            case 2: batch += "PINGS\(index)\n"; replies.append("error,unknown-command,PINGS\(index)")
            default: batch += "frob\(index),arg\n"; replies.append("error,unknown-command,frob\(index)")
            }
        }
        try client.send(batch)
        let lines = try client.readLines(5000)
        if let first = lines.indices.first(where: { lines[$0] != replies[$0] }) {
            Issue.record("first difference at \(first): \(lines[first]) instead of \(replies[first])")
        }
        #expect(try client.sync() == [])
        try server.expectHealthy()
    }

    static let long = String(repeating: "n", count: 33)
    static let huge = String(repeating: "N", count: 1000)
    /// Bad names in every shape, each with its one reply, for a connection not yet registered.
    static let badRegisters: [(String, String)] = [
        "\(long)", "\(huge)", "a b", "Jäne", "Ｊａｎｅ", "Zаk", "a\tb", "a\rb", "😀", "\u{200B}Jane", "Jane\u{00A0}",
    ].map { ("register,\($0)", "error,bad-name,\($0)") } + [
        ("register,a,b", "error,bad-args,register"), ("register,,Jane", "error,bad-args,register"),
        ("register,Jane,", "error,bad-args,register"), ("register, \t ", "error,bad-args,register"),
    ]
    /// The same for a registered member of `lobby`.
    static let badMemberLines: [(String, String)] = [
        ("nick,\(long)", "error,bad-name,\(long)"), ("nick,a b", "error,bad-name,a b"),
        ("nick,ñ", "error,bad-name,ñ"), ("nick,Zak,x", "error,bad-args,nick"), ("nick,\t", "error,bad-args,nick"),
        ("join,\(long)", "error,bad-name,\(long)"), ("join,a b", "error,bad-name,a b"),
        ("join,日本", "error,bad-name,日本"), ("join,\u{0301}", "error,bad-name,\u{0301}"),
        ("join,lobby,extra", "error,bad-args,join"), ("join,a,", "error,bad-args,join"),
        ("chat,\(long),hi", "error,bad-name,\(long)"), ("chat,\(huge)", "error,bad-name,\(huge)"),
        ("chat,Za k,hi", "error,bad-name,Za k"), ("chat,Zäk,hi", "error,bad-name,Zäk"),
        ("chat,,hi", "error,bad-args,chat"), ("who, a,b ", "error,bad-args,who"),
    ]

    @Test func badAndOverlongNamesAreRefusedAndChangeNothing() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak")
        try server.join("lobby", clients)
        let (jane, zak) = (clients[0], clients[1])
        let fresh = try server.connect()
        try fresh.send(Self.badRegisters.map { $0.0 + "\n" }.joined() + "list\n")
        try fresh.expect(lines: Self.badRegisters.map(\.1) + ["error,not-registered"])
        try jane.send(Self.badMemberLines.map { $0.0 + "\n" }.joined())
        try jane.expect(lines: Self.badMemberLines.map(\.1))
        #expect(try jane.sync() == [])
        #expect(try zak.sync() == [], "no notice and no chat from a refused name")
        try jane.send("list\nrooms\n")
        #expect(CommandsTests.names(in: try jane.readLine(), verb: "list") == ["Jane", "Zak"])
        try jane.expect("rooms,lobby")
        // Commas split fields; in free text they are kept, and names are trimmed.
        try jane.send("chat,Zak,a,b,,c\nchat, Zak\t,x, y \nchat,Zak,\nchat,zak,Zak\nchat,Zak,ünï,✓\n")
        try zak.expect(lines: ["chat,Jane,a,b,,c", "chat,Jane,x, y ", "chat,Jane,", "chat,Jane,Zak", "chat,Jane,ünï,✓"])
        #expect(try jane.sync() == [])
        let edge = String(repeating: "E", count: 32)
        try fresh.send("register, \(edge)\t\nnick,-._\n")
        try fresh.expect(lines: ["ack,\(edge)", "ack,-._"])
        try server.expectHealthy()
    }
}
