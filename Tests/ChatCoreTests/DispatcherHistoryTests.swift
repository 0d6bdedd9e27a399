import Testing
@testable import ChatCore

/// Room history: replayed to the joiner, bounded by `--history`.
@Suite struct DispatcherHistoryTests {
    @Test func joinReplaysTheLastMessagesOldestFirstWithTheirTimestamps() {
        let harness = ChatHarness(history: 3)
        let jane = harness.inRoom("lobby", "Jane")[0]
        for index in 1...5 {
            harness.setClock(1_000 + Int64(index))
            jane.send("say,lobby,m\(index)")
        }
        let zak = harness.registered("Zak")
        #expect(zak.reply(to: "join,lobby") == [
            "joined,lobby,2",
            "history,lobby,1003,Jane,m3",
            "history,lobby,1004,Jane,m4",
            "history,lobby,1005,Jane,m5",
        ])
        #expect(jane.lines == ["join,lobby,Zak"], "only the joiner gets the history")
    }

    @Test func theDefaultKeepsTen() {
        let harness = ChatHarness()
        let jane = harness.inRoom("lobby", "Jane")[0]
        for index in 1...12 { jane.send("say,lobby,\(index)") }
        let reply = harness.registered("Zak").reply(to: "join,lobby")
        #expect(reply == ["joined,lobby,2"] + (3...12).map { "history,lobby,1700000000123,Jane,\($0)" })
    }

    @Test func historyZeroKeepsNone() {
        let harness = ChatHarness(history: 0)
        let jane = harness.inRoom("lobby", "Jane")[0]
        jane.send("say,lobby,gone")
        #expect(harness.registered("Zak").reply(to: "join,lobby") == ["joined,lobby,2"])
    }

    @Test func historyKeepsTheTextAsSent() {
        let harness = ChatHarness()
        let jane = harness.inRoom("lobby", "Jane")[0]
        for text in ["", "  spaced, with, commas ", "héllo 世界 😀"] { jane.send("say,lobby," + text) }
        #expect(harness.registered("Zak").reply(to: "join,lobby") == [
            "joined,lobby,2",
            "history,lobby,1700000000123,Jane,",
            "history,lobby,1700000000123,Jane,  spaced, with, commas ",
            "history,lobby,1700000000123,Jane,héllo 世界 😀",
        ])
    }

    @Test func historyShowsTheSenderAsNamedWhenSaid() {
        let harness = ChatHarness()
        let jane = harness.inRoom("lobby", "Jane")[0]
        harness.setClock(1)
        jane.send("say,lobby,before")
        jane.send("nick,Janet")
        harness.setClock(2)
        jane.send("say,lobby,after")
        jane.send("nick,JANET")
        #expect(harness.registered("Zak").reply(to: "join,lobby") == [
            "joined,lobby,2", "history,lobby,1,Jane,before", "history,lobby,2,Janet,after",
        ])
    }

    @Test func historyOutlivesItsSenderWhileTheRoomHasMembers() {
        let harness = ChatHarness()
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[0].send("say,lobby,hello")
        members[0].send("quit")
        let amy = harness.registered("Amy")
        #expect(amy.reply(to: "join,LOBBY") == ["joined,lobby,2", "history,lobby,1700000000123,Jane,hello"])
    }

    @Test func historyGoesWithTheRoom() {
        let harness = ChatHarness()
        let jane = harness.inRoom("lobby", "Jane")[0]
        jane.send("say,lobby,lost")
        jane.send("leave,lobby")
        #expect(jane.take() == ["left,lobby"])
        #expect(jane.reply(to: "join,Lobby") == ["joined,Lobby,1"])
        jane.send("say,Lobby,kept")
        jane.disconnect()
        let zak = harness.registered("Zak")
        #expect(zak.reply(to: "join,lobby") == ["joined,lobby,1"], "disconnecting emptied and removed it")
    }

    @Test func failedSaysAreNotRecorded() {
        let harness = ChatHarness()
        let jane = harness.inRoom("lobby", "Jane")[0]
        jane.send("say,lobby")
        jane.send("say,elsewhere,x")
        jane.send(bytes: Array("say,lobby,".utf8) + [0xFF])
        #expect(harness.registered("Zak").reply(to: "join,lobby") == ["joined,lobby,2"])
    }
}
