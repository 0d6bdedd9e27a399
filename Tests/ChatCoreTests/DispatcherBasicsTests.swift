import Testing
@testable import ChatCore

/// `register`, `list`, `ping`, `help`, verb matching, trimming and ignored lines.
@Suite struct DispatcherBasicsTests {
    private let harness = ChatHarness()

    @Test func registerAcksTheNameAsWritten() {
        let client = harness.connect()
        #expect(client.reply(to: "register,Jane") == ["ack,Jane"])
        #expect(client.session.name == ChatName("Jane"))
        #expect(harness.registry.userCount == 1)
    }

    @Test(arguments: ["REGISTER,bob", "Register,bob", "rEgIsTeR,bob"])
    func verbsAreCaseInsensitive(_ line: String) {
        #expect(harness.connect().reply(to: line) == ["ack,bob"])
    }

    @Test(arguments: [" register,Bob", "\tregister\t,Bob", "register, Bob", "register,\tBob \t", " \t register \t, \t Bob \t "])
    func spacesAndTabsAroundVerbAndNameAreTrimmed(_ line: String) {
        #expect(harness.connect().reply(to: line) == ["ack,Bob"])
    }

    @Test(arguments: ["ping", "PiNg", "PING", " ping ", "\tping"])
    func pingAnswersPong(_ line: String) {
        #expect(harness.connect().reply(to: line) == ["pong"])
    }

    @Test(arguments: ["tok", "", " leading", "trailing\t ", "a,b,,c", " héllo, 世界 😀 "])
    func pingEchoesItsTokenByteForByte(_ token: String) {
        #expect(harness.connect().reply(to: "ping," + token) == ["pong," + token])
    }

    /// Version 1's twelve verbs on a version 1 connection; every verb after `hello,2`.
    @Test func helpNamesTheTwelveVerbsOfVersion1AndEveryVerbOfVersion2() {
        let client = harness.connect()
        let reply = client.reply(to: "help")
        #expect(reply == ["help,register list chat join say leave rooms who nick quit ping help"])
        #expect(client.reply(to: " HeLp ") == reply)
        #expect(client.reply(to: "hello,2") == ["hello,2"])
        let named = Set((client.reply(to: "help").first ?? "").dropFirst("help,".count).split(separator: " ").map(String.init))
        let verbs = Verb.allCases.map { verb in verb.spelling.withUTF8Buffer { String(decoding: $0, as: UTF8.self) } }
        #expect(named == Set(verbs))
    }

    @Test func pingHelpAndQuitWorkBeforeRegister() {
        let client = harness.connect()
        #expect(client.reply(to: "ping") == ["pong"])
        #expect(client.reply(to: "help").count == 1)
        #expect(client.reply(to: "quit") == ["bye,quit"])
    }

    @Test(arguments: ["list", "list,friends", "list,", "LIST,anything at all", " list "])
    func listNamesEveryRegisteredUserTheSenderIncluded(_ line: String) {
        let jane = harness.registered("Jane")
        _ = harness.registered("Zak")
        _ = harness.connect()  // not registered: not listed
        let reply = jane.reply(to: line)
        #expect(reply.count == 1)
        #expect(sortedFields(of: reply.first, after: "list") == ["Jane", "Zak"])
    }

    @Test func listShowsNamesAsFirstWritten() {
        let jane = harness.registered("JaNe")
        #expect(harness.connect().reply(to: "register,jane") == ["error,name-taken,jane"])
        #expect(jane.reply(to: "list") == ["list,JaNe"])
    }

    @Test func listOfManyUsersIsOneLine() {
        let names = (0..<500).map { "user\($0)" }
        for name in names { _ = harness.registered(name) }
        let reply = harness.registered("last").reply(to: "list")
        #expect(reply.count == 1)
        #expect(sortedFields(of: reply.first, after: "list") == (names + ["last"]).sorted())
    }

    @Test(arguments: ["", " ", "\t", "  \t  \t"])
    func emptyAndBlankLinesAreIgnored(_ line: String) {
        let stranger = harness.connect()
        let jane = harness.registered("Jane")
        stranger.send(line)
        jane.send(line)
        #expect(stranger.lines.isEmpty)
        #expect(jane.lines.isEmpty)
    }

    @Test func aCommaAloneIsAnEmptyUnknownVerbNotABlankLine() {
        #expect(harness.connect().reply(to: ",") == ["error,unknown-command,"])
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8], [0x80], [0xFF], [0x00],
    ] as [[UInt8]])
    func invalidUTF8OrNULIsBadUTF8AnywhereInTheLine(_ bad: [UInt8]) {
        let stranger = harness.connect()
        let jane = harness.registered("Jane")
        stranger.send(bytes: bad)
        stranger.send(bytes: Array("ping,".utf8) + bad)
        jane.send(bytes: Array("chat,Jane,".utf8) + bad + Array(" tail".utf8))
        jane.send(bytes: bad + Array(",x".utf8))
        #expect(stranger.lines == ["error,bad-utf8", "error,bad-utf8"])
        #expect(jane.lines == ["error,bad-utf8", "error,bad-utf8"])
    }

    @Test func validMultiByteTextIsAccepted() {
        let jane = harness.registered("Jane")
        #expect(jane.reply(to: "chat,Jane,héllo, 世界 😀 \u{10FFFF}") == ["chat,Jane,héllo, 世界 😀 \u{10FFFF}"])
    }

    @Test func nothingIsSentUnpromptedBeforeRegister() {
        let stranger = harness.connect()
        let members = harness.inRoom("lobby", "Jane", "Zak")
        for line in ["say,lobby,hi", "chat,Zak", "nick,Janet", "leave,lobby", "join,lobby", "quit,bye"] {
            members[0].send(line)
        }
        members[1].disconnect()
        #expect(stranger.lines.isEmpty)
    }

    @Test func repliesComeInCommandOrder() {
        let client = harness.connect()
        for line in ["ping,1", "register,Bob", "ping,2", "list", "bogus", "ping,3"] { client.send(line) }
        #expect(client.lines == ["pong,1", "ack,Bob", "pong,2", "list,Bob", "error,unknown-command,bogus", "pong,3"])
    }
}
