import Testing
import ChatCore
import ChatDialects

/// The classic `register`/`list`/`chat` dialect, as its clients read it.
@Suite struct ClassicDialectTests {
    private let harness = DialectHarness()

    /// The names of a `list` answer, and whether it had no line end.
    private func names(_ answer: Wire) -> (names: Set<String>, unterminated: Bool) {
        (Set(answer.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)),
         answer.bytes.last != UInt8(ascii: "\n"))
    }

    @Test func itsFramingAndFormat() {
        #expect(Dialect.classic.framing == .lineOrQuietGap)
        #expect(Dialect.classic.formatID == FormatID(index: 2))
    }

    @Test func openingSendsNothing() {
        let client = harness.connect(.classic)
        #expect(client.take().isEmpty)
        #expect(client.closeCount == 0)
    }

    @Test func registerAnswersAckWithoutANewline() {
        let client = harness.connect(.classic)
        #expect(client.reply(to: "register,Jane") == "ack")
        #expect(client.name == "Jane")
        #expect(client.session.sendCount == 1)
    }

    @Test func listAnswersTheNamesJoinedByCommasWithoutPrefixOrNewline() {
        let jane = harness.classic("Jane")
        _ = harness.classic("Zak")
        _ = harness.v1("Vee", in: nil)
        let answer = names(jane.reply(to: "list,friends"))
        #expect(answer.names == ["Jane", "Zak", "Vee"])
        #expect(answer.unterminated)
    }

    @Test func listWithOnlyTheSenderNamesTheSender() {
        let jane = harness.classic("Jane")
        #expect(jane.reply(to: "list,friends") == "Jane")
    }

    @Test func chatWithoutTextReachesAClassicUserAsSaysHi() {
        let jane = harness.classic("Jane"), zak = harness.classic("Zak")
        #expect(jane.reply(to: "chat,Zak").isEmpty)
        #expect(zak.take() == "Jane says hi\n")
    }

    @Test func chatWithTextReachesAClassicUser() {
        let jane = harness.classic("Jane"), zak = harness.classic("Zak")
        jane.send("chat,Zak,how are you")
        #expect(zak.take() == "Jane says how are you\n")
    }

    @Test func aV1ChatReachesAClassicUserInItsWords() {
        let jane = harness.classic("Jane"), vee = harness.v1("Vee", in: nil)
        #expect(vee.reply(to: "chat,Jane,hello there").isEmpty)
        #expect(jane.take() == "Vee says hello there\n")
    }

    @Test func aClassicChatReachesAV1UserAsAV1Line() {
        let jane = harness.classic("Jane"), vee = harness.v1("Vee", in: nil)
        jane.send("chat,Vee")
        #expect(vee.take() == "chat,Jane,hi\n")
    }

    @Test func aNameWithASpaceIsMappedOnRegister() {
        let jane = harness.connect(.classic)
        #expect(jane.reply(to: "register,Jane Doe") == "ack")
        #expect(jane.name == "Jane_Doe")
        let vee = harness.v1("Vee", in: nil)
        let answer = vee.reply(to: "list")
        #expect(answer.bytes.last == UInt8(ascii: "\n"))
        let fields = answer.text.dropLast().split(separator: ",").map(String.init)
        #expect(fields.first == "list")
        #expect(Set(fields.dropFirst()) == ["Jane_Doe", "Vee"])
    }

    @Test func aNameWithASpaceIsMappedOnChat() {
        let jane = harness.connect(.classic)
        _ = jane.reply(to: "register,Jane Doe")
        let zak = harness.classic("Zak")
        #expect(zak.reply(to: "chat,Jane Doe").isEmpty)
        #expect(jane.take() == "Zak says hi\n")
    }

    @Test func chatToAnUnknownUserAnswersASentence() {
        let jane = harness.classic("Jane")
        #expect(jane.reply(to: "chat,Nobody") == "No user by the name <Nobody>.\n")
    }

    @Test func aTakenNameAnswersASentence() {
        _ = harness.classic("Jane")
        let other = harness.connect(.classic)
        #expect(other.reply(to: "register,Jane") == "The name Jane is taken.\n")
        #expect(other.name == nil)
    }

    @Test func aNameTakenByAV1UserAnswersASentence() {
        _ = harness.v1("Jane", in: nil)
        let other = harness.connect(.classic)
        #expect(other.reply(to: "register,jane") == "The name jane is taken.\n")
    }

    @Test func otherV1CommandsGetTheirV1Lines() {
        let jane = harness.classic("Jane")
        #expect(jane.reply(to: "ping,x") == "pong,x\n")
        #expect(jane.reply(to: "join,r") == "joined,r,1\n")
        #expect(jane.reply(to: "rooms") == "rooms,r\n")
    }

    @Test func aV1SayReachesAClassicRoomMemberAsAV1Line() {
        let jane = harness.classic("Jane")
        jane.send("join,r")
        let vee = harness.v1("Vee", in: nil)
        vee.send("join,r")
        #expect(jane.take() == "join,r,Vee\n")
        vee.send("say,r,hello")
        #expect(jane.take() == "say,r,Vee,hello\n")
    }

    @Test func byeIsASentenceForShutdownAndNothingForQuit() {
        let format = Dialect.classic.formatID
        #expect(harness.registry.withLines(of: .bye(.shutdown), in: format) { Wire(Array($0)) } == "Server shutting down.\n")
        #expect(harness.registry.withLines(of: .bye(.quit), in: format) { Wire(Array($0)) }.isEmpty)
    }

    @Test func quitSendsNothingAndCloses() {
        let jane = harness.classic("Jane")
        #expect(jane.reply(to: "quit").isEmpty)
        #expect(jane.closeCount == 1)
        #expect(harness.registry.user(named: ChatName("Jane")!) == nil)
    }
}
