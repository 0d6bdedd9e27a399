import Testing
@testable import ChatCore

/// `quit` and disconnects without it.
@Suite struct DispatcherQuitTests {
    private let harness = ChatHarness()

    @Test func quitSaysByeClosesAndTellsRoomMatesOncePerRecipient() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        let amy = harness.registered("Amy"), outsider = harness.registered("Out")
        for room in ["a", "b"] { jane.send("join,\(room)"); zak.send("join,\(room)") }
        amy.send("join,b")
        harness.clearAll()
        #expect(jane.reply(to: "quit,bye now") == ["bye,quit"])
        #expect(jane.session.closeCount == 1)
        #expect(zak.lines == ["quit,Jane,bye now"])
        #expect(amy.lines == ["quit,Jane,bye now"])
        #expect(outsider.lines.isEmpty)
        #expect(!zak.session.closedAfterFlush)
    }

    @Test(arguments: [("quit", ""), ("QUIT", ""), ("quit,", ""), (" Quit\t, see you, all ", " see you, all "),
                      ("quit,  ", "  "), ("quit,héllo 世界", "héllo 世界")])
    func quitTextIsKeptAsSentAndEmptyWhenBare(_ line: String, _ text: String) {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        #expect(members[0].reply(to: line) == ["bye,quit"])
        #expect(members[1].lines == ["quit,Jane," + text])
    }

    @Test func quitBeforeRegisterJustSaysByeAndCloses() {
        _ = harness.inRoom("lobby", "Zak")
        let stranger = harness.connect()
        #expect(stranger.reply(to: "quit,whatever") == ["bye,quit"])
        #expect(stranger.session.closeCount == 1)
        #expect(harness.clients(except: stranger).allSatisfy { $0.lines.isEmpty })
        #expect(stranger.reply(to: "ping") == [])
    }

    @Test func quitFreesTheNameAndEmptiesTheRooms() {
        let jane = harness.inRoom("lobby", "Jane")[0]
        jane.send("quit")
        #expect(harness.registry.userCount == 0)
        #expect(harness.registry.roomCount == 0)
        #expect(harness.connect().reply(to: "register,JANE") == ["ack,JANE"])
    }

    @Test func afterQuitTheSessionIgnoresFurtherLines() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[0].send("quit")
        #expect(members[0].take() == ["bye,quit"])
        #expect(members[1].take() == ["quit,Jane,"])
        for line in ["ping", "register,Jane", "help", "bogus", "quit", "say,lobby,ghost", "chat,Zak"] {
            #expect(members[0].reply(to: line) == [])
        }
        members[0].send(bytes: [0xFF])
        members[0].dispatcher.rejectLongLine(from: members[0].session)
        members[0].disconnect()
        #expect(members[0].lines.isEmpty)
        #expect(members[0].session.closeCount == 1)
        #expect(members[1].lines.isEmpty, "no second notice on disconnect after quit")
        #expect(members[1].reply(to: "list") == ["list,Zak"])
    }

    @Test func disconnectFreesTheNameAndTellsRoomMatesWithEmptyText() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak"), amy = harness.registered("Amy")
        for room in ["a", "b"] { jane.send("join,\(room)"); zak.send("join,\(room)") }
        amy.send("join,b")
        harness.clearAll()
        jane.disconnect()
        #expect(jane.lines.isEmpty)
        #expect(jane.session.closeCount == 0, "the transport closes it, not the dispatcher")
        #expect(zak.lines == ["quit,Jane,"])
        #expect(amy.take() == ["quit,Jane,"])
        #expect(harness.connect().reply(to: "register,jane") == ["ack,jane"])
        #expect(sortedFields(of: amy.reply(to: "who,a").first, after: "who,a") == ["Zak"])
    }

    @Test func disconnectIsIdempotentAndEndsTheSession() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[0].disconnect()
        members[0].disconnect()
        #expect(members[1].take() == ["quit,Jane,"])
        #expect(members[0].reply(to: "ping") == [])
        #expect(members[0].session.isClosed)
    }

    @Test func disconnectWithoutNotifyStillFreesEverything() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[0].disconnect(notify: false)
        #expect(members[1].lines.isEmpty)
        #expect(members[1].reply(to: "list") == ["list,Zak"])
        #expect(members[1].reply(to: "who,lobby") == ["who,lobby,Zak"])
    }

    @Test func disconnectOfTheLastMemberRemovesTheRoom() {
        let jane = harness.inRoom("lobby", "Jane")[0]
        jane.disconnect()
        #expect(harness.registered("Zak").reply(to: "rooms") == ["rooms"])
    }

    @Test func disconnectBeforeRegisterSendsNothing() {
        _ = harness.inRoom("lobby", "Zak")
        let stranger = harness.connect()
        stranger.disconnect()
        #expect(harness.clients(except: nil).allSatisfy { $0.lines.isEmpty })
    }
}
