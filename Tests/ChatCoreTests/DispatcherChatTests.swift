import Testing
@testable import ChatCore

/// `chat`: direct messages.
@Suite struct DispatcherChatTests {
    private let harness = ChatHarness()
    private let jane: Client
    private let zak: Client

    init() {
        jane = harness.registered("Jane")
        zak = harness.registered("Zak")
    }

    @Test func chatWithoutTextSendsHi() {
        #expect(jane.reply(to: "chat,Zak") == [])
        #expect(zak.lines == ["chat,Jane,hi"])
    }

    @Test func chatWithAnEmptyTextFieldSendsEmptyText() {
        #expect(jane.reply(to: "chat,Zak,") == [])
        #expect(zak.lines == ["chat,Jane,"])
    }

    @Test(arguments: ["hello", " leading space", "trailing\t", "hello, all", ",,", " a, b ,c ", "hi", "héllo 世界 😀"])
    func chatTextIsKeptAsSentCommasIncluded(_ text: String) {
        #expect(jane.reply(to: "chat,Zak," + text) == [])
        #expect(zak.lines == ["chat,Jane," + text])
    }

    @Test(arguments: ["chat, Zak ,yo", "chat,\tzak\t,yo", "CHAT,ZAK,yo", "  Chat ,zAk,yo"])
    func recipientIsTrimmedAndMatchedCaseInsensitively(_ line: String) {
        jane.send(line)
        #expect(zak.lines == ["chat,Jane,yo"])
        #expect(jane.lines.isEmpty)
    }

    @Test func chattingWithOneselfIsAllowed() {
        #expect(jane.reply(to: "chat,jane,note to self") == ["chat,Jane,note to self"])
        #expect(zak.lines.isEmpty)
    }

    @Test func theSenderIsShownAsFirstWritten() {
        let amy = harness.registered("aMy")
        amy.send("chat,Zak")
        #expect(zak.lines == ["chat,aMy,hi"])
    }

    @Test func onlyTheRecipientGetsIt() {
        let amy = harness.registered("Amy")
        jane.send("chat,Zak,private")
        #expect(amy.lines.isEmpty)
        #expect(jane.lines.isEmpty)
        #expect(zak.lines == ["chat,Jane,private"])
    }

    @Test func chatToAnUnknownUserIsNoSuchUserWithTheNameAsGiven() {
        #expect(jane.reply(to: "chat,Bob,yo") == ["error,no-such-user,Bob"])
        #expect(jane.reply(to: "chat, bOb ") == ["error,no-such-user,bOb"])
        #expect(zak.lines.isEmpty)
    }

    @Test func chatToABadNameIsBadNameBeforeTheLookup() {
        #expect(jane.reply(to: "chat,bad name!") == ["error,bad-name,bad name!"])
        #expect(jane.reply(to: "chat,Zak!,hi") == ["error,bad-name,Zak!"])
        #expect(jane.reply(to: "chat,Bøb,hi") == ["error,bad-name,Bøb"])
        #expect(zak.lines.isEmpty)
    }

    @Test(arguments: ["chat", "chat,", "chat, ", "chat,\t,text", "CHAT", "Chat,"])
    func aMissingOrEmptyNameIsBadArgs(_ line: String) {
        #expect(jane.reply(to: line) == ["error,bad-args,chat"])
    }

    @Test func chatBeforeRegisterIsNotRegistered() {
        let stranger = harness.connect()
        #expect(stranger.reply(to: "chat,Zak,hi") == ["error,not-registered"])
        #expect(stranger.reply(to: "chat") == ["error,not-registered"])
        #expect(zak.lines.isEmpty)
    }

    @Test func linesFromOneSenderArriveInOrder() {
        for index in 1...50 { jane.send("chat,Zak,\(index)") }
        #expect(zak.lines == (1...50).map { "chat,Jane,\($0)" })
    }
}
