import Testing
@testable import ChatCore

/// The example session at the end of protocol.md, line for line.
@Suite struct ExampleSessionTests {
    @Test func theSpecExampleRunsExactly() {
        let harness = ChatHarness()
        let c1 = harness.connect(), c2 = harness.connect()

        #expect(c1.reply(to: "register,Jane") == ["ack,Jane"])
        #expect(c2.reply(to: "register,Zak") == ["ack,Zak"])

        let list = c1.reply(to: "list,friends")
        #expect(list == ["list,Jane,Zak"] || list == ["list,Zak,Jane"], "any order")
        #expect(c2.lines.isEmpty)

        #expect(c1.reply(to: "chat,Zak") == [])
        #expect(c2.take() == ["chat,Jane,hi"])

        #expect(c1.reply(to: "join,lobby") == ["joined,lobby,1"])
        #expect(c2.lines.isEmpty)

        #expect(c2.reply(to: "join,lobby") == ["joined,lobby,2"])
        #expect(c1.take() == ["join,lobby,Zak"])

        #expect(c2.reply(to: "say,lobby,hello, all") == [])
        #expect(c1.take() == ["say,lobby,Zak,hello, all"])

        #expect(c1.reply(to: "chat,Bob,yo") == ["error,no-such-user,Bob"])
        #expect(c2.lines.isEmpty)

        #expect(c1.reply(to: "quit,bye now") == ["bye,quit"])
        #expect(c1.session.closedAfterFlush)
        #expect(c2.take() == ["quit,Jane,bye now"])
        #expect(!c2.session.closedAfterFlush)
    }

    @Test func theSpecExampleRunsExactlyThroughTheFramer() {
        let harness = ChatHarness()
        let c1 = harness.connect(), c2 = harness.connect()
        let in1 = FramedInput(client: c1, maxLine: 4096), in2 = FramedInput(client: c2, maxLine: 4096)
        in1.feed("register,Jane\r\n")
        in2.feed("register,Zak\n")
        in1.feed("chat,Zak\r\njoin,lobby\n")
        in2.feed("join,lobby\r\nsay,lobby,hello, all\n")
        in1.feed("chat,Bob,yo\nquit,bye now")
        in1.finish()
        #expect(c1.lines == ["ack,Jane", "joined,lobby,1", "join,lobby,Zak", "say,lobby,Zak,hello, all",
                             "error,no-such-user,Bob", "bye,quit"])
        #expect(c2.lines == ["ack,Zak", "chat,Jane,hi", "joined,lobby,2", "quit,Jane,bye now"])
        #expect(c1.session.closeCount == 1)
    }
}
