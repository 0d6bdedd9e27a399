import Testing
import ChatCore
import ChatDialects

/// The chat room that asks `GET_NAME`: the handshake, then every message said in the dialect room.
@Suite struct NicknameDialectTests {
    private let harness = DialectHarness()

    @Test func itsFramingAndFormat() {
        #expect(Dialect.nickname.framing == .lineOrQuietGap)
        #expect(Dialect.nickname.formatID == FormatID(index: 3))
    }

    @Test func openingSendsOnlyTheNamePrompt() {
        let client = harness.connect(.nickname)
        #expect(client.take() == "GET_NAME")
        #expect(client.session.sendCount == 1)
        #expect(client.name == nil)
        #expect(client.closeCount == 0)
    }

    @Test func theFirstMessageIsTheNickname() {
        let client = harness.connect(.nickname)
        _ = client.take()
        #expect(client.reply(to: "Alice") == "Alice connected to server!\n")
        #expect(client.name == "Alice")
        #expect(harness.members(of: "lobby") == ["Alice"])
        #expect(client.closeCount == 0)
    }

    @Test func aNewcomerIsAnnouncedInEachMembersWords() {
        let vee = harness.v1("Vee")
        let bob = harness.nickname("Bob")
        let alice = harness.connect(.nickname)
        alice.send("Alice")
        #expect(alice.take() == "GET_NAMEAlice connected to server!\n")
        #expect(vee.take() == "join,lobby,Alice\n")
        #expect(bob.take() == "Alice joined!\n")
    }

    @Test func aNewcomerGetsNoJoinedLineNorHistory() {
        let vee = harness.v1("Vee")
        vee.send("say,lobby,earlier")
        harness.clearAll()
        let alice = harness.connect(.nickname)
        #expect(alice.take() == "GET_NAME")
        #expect(alice.reply(to: "Alice") == "Alice connected to server!\n")
    }

    @Test func aNicknameIsMapped() {
        let vee = harness.v1("Vee")
        let client = harness.connect(.nickname)
        _ = client.take()
        #expect(client.reply(to: "Alice Smith") == "Alice_Smith connected to server!\n")
        #expect(client.name == "Alice_Smith")
        #expect(vee.take() == "join,lobby,Alice_Smith\n")
        client.send("Alice Smith: hello")
        #expect(vee.take() == "say,lobby,Alice_Smith,hello\n")
    }

    @Test func aTakenNicknameIsToldAndClosed() {
        let vee = harness.v1("Vee")
        _ = harness.nickname("Alice")
        _ = vee.take()
        let other = harness.connect(.nickname)
        _ = other.take()
        #expect(other.reply(to: "Alice") == "The name Alice is taken.\n")
        #expect(other.closeCount == 1)
        #expect(other.name == nil)
        #expect(harness.members(of: "lobby") == ["Alice", "Vee"])
        #expect(vee.take().isEmpty)
    }

    @Test func anUnusableNicknameIsToldAndClosed() {
        let client = harness.connect(.nickname)
        _ = client.take()
        let answer = client.reply(to: "***").text
        #expect(answer.hasPrefix("Not a usable name: ***"))
        #expect(answer.hasSuffix("\n"))
        #expect(answer.filter { $0 == "\n" }.count == 1)
        #expect(client.closeCount == 1)
        #expect(client.name == nil)
        #expect(harness.registry.userCount == 0)
    }

    @Test func aMessageIsSaidInTheRoomWithoutTheNicknamePrefix() {
        let vee = harness.v1("Vee")
        let bob = harness.nickname("Bob")
        let alice = harness.nickname("Alice")
        harness.clearAll()
        #expect(alice.reply(to: "Alice: hello").isEmpty)
        #expect(vee.take() == "say,lobby,Alice,hello\n")
        #expect(bob.take() == "Alice: hello\n")
    }

    @Test func aMessageWithoutThePrefixIsSaidAsIs() {
        let vee = harness.v1("Vee")
        let bob = harness.nickname("Bob")
        let alice = harness.nickname("Alice")
        harness.clearAll()
        alice.send("hello all")
        #expect(vee.take() == "say,lobby,Alice,hello all\n")
        #expect(bob.take() == "Alice: hello all\n")
        alice.send("Bob: not mine")
        #expect(vee.take() == "say,lobby,Alice,Bob: not mine\n")
    }

    @Test func aV1SayIsWrittenInASCII() {
        let vee = harness.v1("Vee")
        let alice = harness.nickname("Alice")
        vee.send("say,lobby,héllo")
        #expect(alice.take() == "Vee: h?llo\n")
        vee.send("say,lobby,日本 ok 🎉")
        #expect(alice.take() == "Vee: ?? ok ?\n")
    }

    @Test(arguments: ["q", "exit", "close", "disconnect"])
    func aDisconnectWordQuits(word: String) {
        let vee = harness.v1("Vee")
        let bob = harness.nickname("Bob")
        let alice = harness.nickname("Alice")
        harness.clearAll()
        #expect(alice.reply(to: "Alice: \(word)").isEmpty)
        #expect(alice.closeCount == 1)
        #expect(vee.take() == "quit,Alice,\n")
        #expect(bob.take() == "Alice left!\n")
        #expect(harness.members(of: "lobby") == ["Bob", "Vee"])
    }

    @Test func aDisconnectWordWithoutThePrefixQuitsToo() {
        let vee = harness.v1("Vee")
        let alice = harness.nickname("Alice")
        alice.send("q")
        #expect(vee.take() == "quit,Alice,\n")
        #expect(alice.closeCount == 1)
    }

    @Test func aV1ChatIsPrivate() {
        let vee = harness.v1("Vee", in: nil)
        let alice = harness.nickname("Alice")
        vee.send("chat,Alice,hi")
        #expect(alice.take() == "Vee (private): hi\n")
        vee.send("chat,Alice")
        #expect(alice.take() == "Vee (private): hi\n")
    }

    @Test func aV1LeaveIsLeftAndAV1NickIsKnownAs() {
        let vee = harness.v1("Vee")
        let alice = harness.nickname("Alice")
        vee.send("nick,Val")
        #expect(alice.take() == "Vee is now known as Val\n")
        vee.send("leave,lobby")
        #expect(alice.take() == "Val left!\n")
    }

    @Test func aVanishedUserHasLeft() {
        let vee = harness.v1("Vee")
        let alice = harness.nickname("Alice")
        harness.dispatcher.disconnect(vee.session)
        #expect(alice.take() == "Vee left!\n")
    }

    @Test func byeIsASentenceForShutdownAndNothingForQuit() {
        let format = Dialect.nickname.formatID
        #expect(harness.registry.withLines(of: .bye(.shutdown), in: format) { Wire(Array($0)) } == "Server shutting down.\n")
        #expect(harness.registry.withLines(of: .bye(.quit), in: format) { Wire(Array($0)) }.isEmpty)
    }
}
