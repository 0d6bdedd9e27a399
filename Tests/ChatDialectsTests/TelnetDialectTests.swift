import Testing
import ChatCore
import ChatDialects

/// The threaded server for `telnet` users: address names, time stamps, `/nick`, `/quit`.
@Suite struct TelnetDialectTests {
    private let harness = DialectHarness()

    /// `At <stamp of now> -- <body>` + CRLF.
    private func stamped(_ body: String) -> Wire { "At \(asctimeStamp(millis: harness.now)) -- \(body)\r\n" }

    @Test func itsFramingAndFormat() {
        #expect(Dialect.telnet.framing == .line)
        #expect(Dialect.telnet.formatID == FormatID(index: 4))
    }

    @Test func theStampIsAsctimeOfLocalTime() {
        let stamp = asctimeStamp(millis: DialectHarness.epoch)
        #expect(stamp.utf8.count == 24)
        #expect(stamp.hasSuffix(" 2023"))
    }

    @Test func openingRegistersByAddressJoinsAndAnnounces() {
        let vee = harness.v1("Vee")
        let client = harness.connect(.telnet, host: "127.0.0.1", port: 54321)
        #expect(client.name == "127.0.0.1_54321")
        #expect(harness.members(of: "lobby") == ["127.0.0.1_54321", "Vee"])
        #expect(client.take() == stamped("127.0.0.1_54321 has joined"))
        #expect(vee.take() == "join,lobby,127.0.0.1_54321\n")
        #expect(client.closeCount == 0)
    }

    /// The address name is usable but taken: the answer is the dispatcher's "is taken"
    /// sentence alone, as in the nickname dialect, not also a claim that it is unusable.
    @Test func anAddressNameThatIsTakenIsToldOnceAndClosed() {
        let vee = harness.v1("127.0.0.1_54321")
        let client = harness.connect(.telnet, host: "127.0.0.1", port: 54321)
        #expect(client.take() == "*** The name 127.0.0.1_54321 is taken.\r\n")
        #expect(client.closeCount == 1)
        #expect(client.name == nil)
        #expect(vee.take().isEmpty)
        #expect(harness.members(of: "lobby") == ["127.0.0.1_54321"])
    }

    @Test func otherTelnetUsersSeeTheNewcomerJoin() {
        let first = harness.telnet(port: 1111)
        _ = harness.connect(.telnet, port: 2222)
        #expect(first.take() == stamped("127.0.0.1_2222 has joined"))
    }

    @Test func theNewcomerGetsTheHistoryFirstWithEachMessagesOwnTime() {
        let vee = harness.v1("Vee")
        let first = DialectHarness.epoch
        let second = first + 86_400_000 + 3_600_000 + 61_000  // a day, an hour and a minute later
        let now = second + 400 * 86_400_000
        vee.send("say,lobby,first")
        harness.setClock(second)
        vee.send("say,lobby,second one")
        harness.setClock(now)
        let client = harness.connect(.telnet, host: "127.0.0.1", port: 54321)
        let expected: Wire = """
            At \(asctimeStamp(millis: first)) -- Message from Vee:\r\n\tfirst\r\n\
            At \(asctimeStamp(millis: second)) -- Message from Vee:\r\n\tsecond one\r\n\
            At \(asctimeStamp(millis: now)) -- 127.0.0.1_54321 has joined\r\n
            """
        #expect(client.take() == expected)
    }

    @Test func aLineIsSaidInTheRoomAndEchoed() {
        let vee = harness.v1("Vee")
        let other = harness.telnet(port: 2222)
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "hello") == stamped("Message from 127.0.0.1_54321:\r\n\thello"))
        #expect(vee.take() == "say,lobby,127.0.0.1_54321,hello\n")
        #expect(other.take() == stamped("Message from 127.0.0.1_54321:\r\n\thello"))
    }

    @Test func aBlankLineSaysNothing() {
        let vee = harness.v1("Vee")
        let client = harness.telnet()
        #expect(client.reply(to: "").isEmpty)
        #expect(client.reply(to: "   ").isEmpty)
        #expect(vee.take().isEmpty)
    }

    @Test func aV1SayAndChatInTelnetWords() {
        let vee = harness.v1("Vee")
        let client = harness.telnet(port: 54321)
        vee.send("say,lobby,hi all")
        #expect(client.take() == stamped("Message from Vee:\r\n\thi all"))
        vee.send("chat,127.0.0.1_54321,psst")
        #expect(client.take() == stamped("Private message from Vee:\r\n\tpsst"))
    }

    @Test func nickRenamesAndTellsEveryoneInTheirWords() {
        let vee = harness.v1("Vee")
        let other = harness.telnet(port: 2222)
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "/nick tom") == stamped("127.0.0.1_54321 now goes by tom"))
        #expect(client.name == "tom")
        #expect(other.take() == stamped("127.0.0.1_54321 now goes by tom"))
        #expect(vee.take() == "nick,127.0.0.1_54321,tom\n")
    }

    @Test func nickAloneChangesNothingAndSendsNothing() {
        let vee = harness.v1("Vee")
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "/nick").isEmpty)
        #expect(client.reply(to: "/nick   ").isEmpty)
        #expect(client.name == "127.0.0.1_54321")
        #expect(vee.take().isEmpty)
    }

    @Test func nickToAnUnusableNameIsAnError() {
        let vee = harness.v1("Vee")
        let client = harness.telnet(port: 54321)
        let answer = client.reply(to: "/nick ***").text
        #expect(answer.hasPrefix("*** Not a usable name: ***"))
        #expect(answer.hasSuffix("\r\n"))
        #expect(client.name == "127.0.0.1_54321")
        #expect(vee.take().isEmpty)
    }

    @Test func nickIsMapped() {
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "/nick Tom Jones") == stamped("127.0.0.1_54321 now goes by Tom_Jones"))
        #expect(client.name == "Tom_Jones")
    }

    @Test func nickToATakenNameIsAnError() {
        _ = harness.v1("Vee")
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "/nick vee") == "*** The name vee is taken.\r\n")
        #expect(client.name == "127.0.0.1_54321")
    }

    @Test func quitWithTextTellsEveryoneInTheirWords() {
        let vee = harness.v1("Vee")
        let other = harness.telnet(port: 2222)
        let client = harness.telnet(port: 54321)
        _ = client.reply(to: "/nick tom")
        harness.clearAll()
        #expect(client.reply(to: "/quit see ya").isEmpty)
        #expect(client.closeCount == 1)
        #expect(vee.take() == "quit,tom,see ya\n")
        #expect(other.take() == stamped("tom is leaving now -- see ya"))
        #expect(harness.members(of: "lobby") == ["127.0.0.1_2222", "Vee"])
    }

    @Test func quitAloneIsLeavingNow() {
        let vee = harness.v1("Vee")
        let other = harness.telnet(port: 2222)
        let client = harness.telnet(port: 54321)
        #expect(client.reply(to: "/quit").isEmpty)
        #expect(client.closeCount == 1)
        #expect(vee.take() == "quit,127.0.0.1_54321,\n")
        #expect(other.take() == stamped("127.0.0.1_54321 is leaving now"))
    }

    @Test func aVanishedUserHasExited() {
        let vee = harness.v1("Vee")
        let other = harness.telnet(port: 2222)
        let client = harness.telnet(port: 54321)
        harness.dispatcher.disconnect(client.session)
        #expect(other.take() == stamped("127.0.0.1_54321 has exited"))
        #expect(vee.take() == "quit,127.0.0.1_54321,\n")
        #expect(client.take().isEmpty)
    }

    @Test func aV1LeaveHasExited() {
        let vee = harness.v1("Vee")
        let client = harness.telnet()
        vee.send("leave,lobby")
        #expect(client.take() == stamped("Vee has exited"))
    }

    @Test func invalidUTF8IsAnErrorAndNotEchoed() {
        let vee = harness.v1("Vee")
        let client = harness.telnet()
        client.send(bytes: [0xFF, 0xFE])
        #expect(client.take() == "*** Message dropped: it is not valid UTF-8 text.\r\n")
        #expect(vee.take().isEmpty)
    }

    @Test func theStampFollowsTheClock() {
        let client = harness.telnet(port: 54321)
        harness.setClock(DialectHarness.epoch + 3_000)
        #expect(client.reply(to: "a") == stamped("Message from 127.0.0.1_54321:\r\n\ta"))
        harness.setClock(DialectHarness.epoch + 90 * 86_400_000)
        #expect(client.reply(to: "b") == stamped("Message from 127.0.0.1_54321:\r\n\tb"))
    }

    @Test func byeIsAStarredSentenceForShutdownAndNothingForQuit() {
        let format = Dialect.telnet.formatID
        #expect(harness.registry.withLines(of: .bye(.shutdown), in: format) { Wire(Array($0)) } == "*** Server shutting down.\r\n")
        #expect(harness.registry.withLines(of: .bye(.quit), in: format) { Wire(Array($0)) }.isEmpty)
    }
}
