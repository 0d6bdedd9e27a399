import Testing
@testable import ChatCore

/// Error codes, their details, and the order in which they take precedence.
@Suite struct DispatcherErrorsTests {
    private let harness = ChatHarness()

    @Test(arguments: [("foo", "foo"), ("foo,bar", "foo"), (" FooBar \t,x", "FooBar"), ("registerx,Bob", "registerx"),
                      ("pingpong", "pingpong"), ("re gister,Bob", "re gister"), ("REG", "REG"), ("héllo,x", "héllo"),
                      ("ＰＩＮＧ", "ＰＩＮＧ"), ("s", "s")])
    func unknownVerbsAreUnknownCommandWithTheVerbAsSentTrimmed(_ line: String, _ detail: String) {
        let expected = ["error,unknown-command," + detail]
        #expect(harness.connect().reply(to: line) == expected, "before register")
        #expect(harness.registered("Jane").reply(to: line) == expected, "after register")
    }

    @Test(arguments: ["list", "list,friends", "chat,Zak", "chat,Zak,hi", "join,lobby", "say,lobby,hi", "leave,lobby",
                      "rooms", "who,lobby", "nick,Bob", "LIST"])
    func commandsNeedARegisteredConnection(_ line: String) {
        let stranger = harness.connect()
        #expect(stranger.reply(to: line) == ["error,not-registered"])
    }

    @Test(arguments: ["list,a,b", "rooms,x", "rooms,", "join,a,b", "chat", "chat,", "say", "say,lobby", "join, ",
                      "leave", "who", "nick"])
    func notRegisteredComesBeforeBadArgs(_ line: String) {
        #expect(harness.connect().reply(to: line) == ["error,not-registered"])
    }

    @Test(arguments: [("list,a,b", "list"), ("rooms,x", "rooms"), ("rooms,", "rooms"), ("join,a,b", "join"),
                      ("chat", "chat"), ("chat,", "chat"), ("say", "say"), ("say,lobby", "say"), ("join, ", "join"),
                      ("register,", "register"), ("LIST,a,b", "list"), ("Rooms,x", "rooms"), ("SAY,lobby", "say"),
                      ("help,x", "help"), ("HELP,", "help"), ("register", "register"), ("ReGiStEr,a,b", "register")])
    func badArgsDetailIsTheVerbInLowerCase(_ line: String, _ verb: String) {
        let jane = harness.registered("Jane")
        #expect(jane.reply(to: line) == ["error,bad-args,\(verb)"])
    }

    @Test(arguments: ["register,", "register", "register, \t", "REGISTER,", "register,a,b"])
    func badArgsOnRegisterBeforeAndAfterRegistering(_ line: String) {
        #expect(harness.connect().reply(to: line) == ["error,bad-args,register"])
        #expect(harness.registered("Bob").reply(to: line) == ["error,bad-args,register"], "bad-args before already-registered")
    }

    @Test(arguments: ["register,Zed", "register,Bob", "register,bob", "register,bad name!", "register,Bøb"])
    func registerOnARegisteredConnectionIsAlreadyRegisteredNamingTheCurrentName(_ line: String) {
        let bob = harness.registered("Bob")
        #expect(bob.reply(to: line) == ["error,already-registered,Bob"])
        #expect(bob.session.name == ChatName("Bob"))
    }

    @Test(arguments: ["a", "Z", "9", "_", "-", ".", "Jane-Doe_2.0", String(repeating: "x", count: 32)])
    func validNamesRegister(_ name: String) {
        #expect(harness.connect().reply(to: "register," + name) == ["ack," + name])
    }

    @Test(arguments: [String(repeating: "x", count: 33), "bad name!", "Bøb", "名前", "😀", "bob!", "a/b", "a@b", "tab\tin"])
    func invalidNamesAreBadNameWithTheNameAsGiven(_ name: String) {
        let stranger = harness.connect()
        #expect(stranger.reply(to: "register," + name) == ["error,bad-name," + name])
        #expect(stranger.reply(to: "register, \t" + name + "\t ") == ["error,bad-name," + name], "trimmed")
        #expect(stranger.session.name == nil)
    }

    @Test func namesAreUniqueCaseInsensitively() {
        _ = harness.registered("Bob")
        for spelling in ["Bob", "bob", "BOB", "bOb"] {
            #expect(harness.connect().reply(to: "register," + spelling) == ["error,name-taken," + spelling])
        }
        #expect(harness.connect().reply(to: "register, BOB ") == ["error,name-taken,BOB"])
        #expect(harness.registry.userCount == 1)
    }

    @Test func badNameComesBeforeTheLookups() {
        let members = harness.inRoom("lobby", "Jane")
        #expect(members[0].reply(to: "chat,bad name!") == ["error,bad-name,bad name!"])
        #expect(members[0].reply(to: "chat,bad name!,hi") == ["error,bad-name,bad name!"])
        #expect(members[0].reply(to: "join,lobby!") == ["error,bad-name,lobby!"])
        #expect(members[0].reply(to: "who,no such!") == ["error,bad-name,no such!"])
    }

    @Test func badUTF8ComesBeforeEverythingInTheLine() {
        let stranger = harness.connect()
        stranger.send(bytes: [0xFF, 0x2C, 0x78])
        stranger.send(bytes: Array("list,".utf8) + [0xC0, 0x80])
        stranger.send(bytes: Array("register,".utf8) + [0xED, 0xA0, 0x80])
        stranger.send(bytes: Array("  \t".utf8) + [0x00])
        #expect(stranger.lines == Array(repeating: "error,bad-utf8", count: 4))
    }

    @Test func errorsGoOnlyToTheSenderAndLeaveTheConnectionOpen() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        for line in ["bogus", "list,a,b", "chat,nobody", "join,lobby", "say,elsewhere,x", "who,elsewhere", "nick,zak"] {
            #expect(members[0].reply(to: line).count == 1)
        }
        #expect(members[1].lines.isEmpty)
        #expect(members[0].reply(to: "ping") == ["pong"])
        #expect(!members[0].session.closedAfterFlush)
    }

    @Test func theLookupErrorsCarryWhatWasGiven() {
        let members = harness.inRoom("Lobby", "Jane")
        #expect(members[0].reply(to: "chat, Nobody ,x") == ["error,no-such-user,Nobody"])
        #expect(members[0].reply(to: "who, Nowhere ") == ["error,no-such-room,Nowhere"])
        #expect(members[0].reply(to: "say, Nowhere ,x") == ["error,not-in-room,Nowhere"])
        #expect(members[0].reply(to: "leave,\tNowhere") == ["error,not-in-room,Nowhere"])
        #expect(members[0].reply(to: "join, lOBBY ") == ["error,already-in-room,lOBBY"])
        #expect(harness.connect().reply(to: "register,\tjANE ") == ["error,name-taken,jANE"])
    }
}
