import Testing

/// Every error code, its detail, and the precedence between codes. Each error
/// goes only to the sender, is one line, and leaves the connection usable.
@Suite struct ErrorsTests {
    /// A server with Zak in room `ZakRoom`, and the client under test: registered
    /// as Jane in room `lobby`, or not registered at all.
    struct Fixture {
        let server: ServerProcess
        let zak: LineClient
        let client: LineClient

        init(registered: Bool) throws {
            server = try ServerProcess.start()
            zak = try server.registered("Zak")[0]
            try server.join("ZakRoom", [zak])
            if registered {
                client = try server.registered("Jane")[0]
                try server.join("lobby", [client])
            } else {
                client = try server.connect()
            }
        }

        /// Sends `line` and expects exactly `reply`, nothing more, and nothing to Zak.
        func check(_ line: [UInt8], answers reply: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try client.send(bytes: line + [0x0A])
            try client.expect(reply, sourceLocation: sourceLocation)
            #expect(try client.sync() == [], "one line per error, and the connection stays open",
                    sourceLocation: sourceLocation)
            #expect(try zak.sync() == [], "errors go only to the sender", sourceLocation: sourceLocation)
        }
    }

    static let tooLongName = String(repeating: "n", count: 33)

    @Test(arguments: [
        ("frobnicate", "error,unknown-command,frobnicate"),
        ("  FooBar\t,x,y", "error,unknown-command,FooBar"),
        ("registers,x", "error,unknown-command,registers"),
        ("list", "error,not-registered"),
        ("list,a,b", "error,not-registered"),
        ("chat,Zak", "error,not-registered"),
        ("chat,bad name!", "error,not-registered"),
        ("join,lobby", "error,not-registered"),
        ("join,a,b", "error,not-registered"),
        ("say,lobby,x", "error,not-registered"),
        ("leave,lobby", "error,not-registered"),
        ("rooms", "error,not-registered"),
        ("who,ZakRoom", "error,not-registered"),
        ("nick,Other", "error,not-registered"),
        ("register", "error,bad-args,register"),
        ("register,", "error,bad-args,register"),
        ("REGISTER, \t", "error,bad-args,register"),
        ("register,a,b", "error,bad-args,register"),
        ("help,x", "error,bad-args,help"),
        ("register,bad name!", "error,bad-name,bad name!"),
        ("register,a/b", "error,bad-name,a/b"),
        ("register,café", "error,bad-name,café"),
        ("register,\(tooLongName)", "error,bad-name,\(tooLongName)"),
        ("register,zak", "error,name-taken,zak"),
        ("register, ZAK ", "error,name-taken,ZAK"),
    ])
    func errorsBeforeRegister(line: String, reply: String) throws {
        try Fixture(registered: false).check(Array(line.utf8), answers: reply)
    }

    @Test(arguments: [
        ("frobnicate,x", "error,unknown-command,frobnicate"),
        ("list,a,b", "error,bad-args,list"),
        ("rooms,x", "error,bad-args,rooms"),
        ("rooms,", "error,bad-args,rooms"),
        ("Rooms,x", "error,bad-args,rooms"),
        ("join,a,b", "error,bad-args,join"),
        ("join, ", "error,bad-args,join"),
        ("join", "error,bad-args,join"),
        ("chat", "error,bad-args,chat"),
        ("chat,", "error,bad-args,chat"),
        ("chat, \t,text", "error,bad-args,chat"),
        ("say", "error,bad-args,say"),
        ("say,lobby", "error,bad-args,say"),
        ("say,,text", "error,bad-args,say"),
        ("leave", "error,bad-args,leave"),
        ("leave,a,b", "error,bad-args,leave"),
        ("who", "error,bad-args,who"),
        ("who,a,b", "error,bad-args,who"),
        ("nick", "error,bad-args,nick"),
        ("nick,", "error,bad-args,nick"),
        ("nick,a,b", "error,bad-args,nick"),
        ("register,", "error,bad-args,register"),
        ("register,Other", "error,already-registered,Jane"),
        ("register,bad name!", "error,already-registered,Jane"),
        ("register,zak", "error,already-registered,Jane"),
        ("chat,bad name!", "error,bad-name,bad name!"),
        ("chat,bad name!,text", "error,bad-name,bad name!"),
        ("join,#room", "error,bad-name,#room"),
        ("join,\(tooLongName)", "error,bad-name,\(tooLongName)"),
        ("say,bad!,x", "error,bad-name,bad!"),
        ("leave,bad!", "error,bad-name,bad!"),
        ("who,a b", "error,bad-name,a b"),
        ("nick,a b", "error,bad-name,a b"),
        ("nick,\(tooLongName)", "error,bad-name,\(tooLongName)"),
        ("nick,ZAK", "error,name-taken,ZAK"),
        ("chat,Bob,yo", "error,no-such-user,Bob"),
        ("chat, Bob ", "error,no-such-user,Bob"),
        ("who,nowhere", "error,no-such-room,nowhere"),
        ("say,ZakRoom,x", "error,not-in-room,ZakRoom"),
        ("say,nowhere,x", "error,not-in-room,nowhere"),
        ("leave,zakroom", "error,not-in-room,zakroom"),
        ("leave,nowhere", "error,not-in-room,nowhere"),
        ("join,lobby", "error,already-in-room,lobby"),
        ("join, LOBBY ", "error,already-in-room,LOBBY"),
    ])
    func errorsAfterRegister(line: String, reply: String) throws {
        try Fixture(registered: true).check(Array(line.utf8), answers: reply)
    }

    /// Invalid UTF-8 or a NUL anywhere in the line, named for the report.
    static let badUTF8Lines: [(String, [UInt8])] = [
        ("a lone 0xFF", [0xFF]),
        ("ping with 0xFE", Array("ping,".utf8) + [0xFE]),
        ("overlong slash", Array("ping,".utf8) + [0xC0, 0xAF]),
        ("UTF-16 surrogate", Array("ping,".utf8) + [0xED, 0xA0, 0x80]),
        ("truncated sequence", Array("ping,".utf8) + [0xE2, 0x82]),
        ("above U+10FFFF", Array("ping,".utf8) + [0xF4, 0x90, 0x80, 0x80]),
        ("Latin-1 text", Array("chat,Zak,caf".utf8) + [0xE9]),
        ("NUL in text", Array("chat,Zak,a".utf8) + [0x00] + Array("b".utf8)),
        ("NUL alone", [0x00]),
        ("NUL then CR", Array("ping,".utf8) + [0x00, 0x0D]),
        ("bad verb bytes", [0x80] + Array("list".utf8)),
    ]

    @Test(arguments: badUTF8Lines, [false, true])
    func badUTF8IsAnsweredAndDropped(line: (String, [UInt8]), registered: Bool) throws {
        try Fixture(registered: registered).check(line.1, answers: "error,bad-utf8")
    }

    @Test func namesOfThirtyTwoCharactersAreAccepted() throws {
        let server = try ServerProcess.start()
        let name = String(repeating: "N", count: 32)
        let client = try server.registered(name)[0]
        try client.send("join,\(name)\nnick,\(name.lowercased())\n")
        try client.expect(lines: ["joined,\(name),1", "ack,\(name.lowercased())"])
    }
}
