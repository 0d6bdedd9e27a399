import Testing
@testable import ChatCore

/// Room fan-outs gathered over a loop pass (`Registry+PassBatch.swift`): written to each
/// member once at the end of the pass, in the order said, and never behind or ahead of
/// anything else the member is sent.
@Suite struct PassBatchTests {
    private let harness = ChatHarness()
    private let jane: Client, zak: Client, amy: Client
    /// How many times the registry asked for the end of a pass.
    private let passesAsked = Counter()

    init() {
        let members = harness.inRoom("lobby", "Jane", "Zak", "Amy")
        (jane, zak, amy) = (members[0], members[1], members[2])
        let passesAsked = passesAsked
        harness.registry.onPassBatchOpened = { passesAsked.count += 1 }
    }

    @Test func aPassWritesEachMemberTheOthersLinesOnceInTheOrderSaid() {
        let zakWrites = zak.session.sendCount
        jane.send("say,lobby,j1")
        zak.send("say,lobby,z1")
        jane.send("say,lobby,j2")
        amy.send("say,lobby,a1")
        #expect(passesAsked.count == 1)
        harness.registry.endPass()
        #expect(jane.take() == ["say,lobby,Zak,z1", "say,lobby,Amy,a1"])
        #expect(zak.take() == ["say,lobby,Jane,j1", "say,lobby,Jane,j2", "say,lobby,Amy,a1"])
        #expect(amy.take() == ["say,lobby,Jane,j1", "say,lobby,Zak,z1", "say,lobby,Jane,j2"])
        // One write of what was said before its own line, and one of what came after.
        #expect(zak.session.sendCount - zakWrites == 2)
        harness.registry.endPass()
        #expect(harness.clients(except: nil).allSatisfy { $0.lines.isEmpty })
    }

    @Test func nothingIsWrittenBeforeTheEndOfThePassButWhatASenderIsDue() {
        jane.send("say,lobby,one")
        #expect(zak.lines.isEmpty && amy.lines.isEmpty)
        zak.send("say,lobby,two")
        #expect(zak.lines == ["say,lobby,Jane,one"])
        #expect(amy.lines.isEmpty)
        harness.registry.endPass()
        #expect(amy.lines == ["say,lobby,Jane,one", "say,lobby,Zak,two"])
        #expect(passesAsked.count == 1)
        jane.send("say,lobby,three")
        #expect(passesAsked.count == 2)
    }

    @Test func aReplyComesAfterTheRoomLinesSaidBeforeIt() {
        jane.send("say,lobby,first")
        zak.send("ping,after")
        #expect(zak.take() == ["say,lobby,Jane,first", "pong,after"])
        harness.registry.endPass()
        #expect(zak.lines.isEmpty)
        #expect(amy.take() == ["say,lobby,Jane,first"])
    }

    @Test func aDirectMessageComesAfterTheSendersRoomLines() {
        jane.send("say,lobby,in the room")
        jane.send("chat,Amy,then direct")
        #expect(amy.take() == ["say,lobby,Jane,in the room", "chat,Jane,then direct"])
        harness.registry.endPass()
        #expect(amy.lines.isEmpty)
        #expect(zak.lines == ["say,lobby,Jane,in the room"])
    }

    @Test func linesInTwoRoomsReachAMemberOfBothInTheOrderSaid() {
        for client in [jane, amy] { client.send("join,cellar") }
        harness.registry.endPass()
        harness.clearAll()
        jane.send("say,cellar,c1")
        jane.send("say,lobby,l1")
        jane.send("say,cellar,c2")
        zak.send("say,lobby,l2")
        harness.registry.endPass()
        #expect(amy.lines == ["say,cellar,Jane,c1", "say,lobby,Jane,l1", "say,cellar,Jane,c2", "say,lobby,Zak,l2"])
        #expect(zak.lines == ["say,lobby,Jane,l1"])
        #expect(jane.lines == ["say,lobby,Zak,l2"])
    }

    @Test func aJoinerGetsOnlyWhatIsSaidAfterItsJoin() {
        let bob = harness.registered("Bob")
        jane.send("say,lobby,before")
        #expect(bob.reply(to: "join,lobby") == ["joined,lobby,4", "history,lobby,\(ChatHarness.epoch),Jane,before"])
        jane.send("say,lobby,after")
        harness.registry.endPass()
        #expect(bob.lines == ["say,lobby,Jane,after"])
        #expect(zak.lines == ["say,lobby,Jane,before", "join,lobby,Bob", "say,lobby,Jane,after"])
    }

    @Test func aLeaverGetsWhatWasSaidBeforeItLeftAndNothingAfter() {
        jane.send("say,lobby,before")
        #expect(zak.reply(to: "leave,lobby") == ["say,lobby,Jane,before", "left,lobby"])
        jane.send("say,lobby,after")
        harness.registry.endPass()
        #expect(zak.lines.isEmpty)
        #expect(amy.lines == ["say,lobby,Jane,before", "leave,lobby,Zak", "say,lobby,Jane,after"])
    }

    @Test func aMemberThatLeftTheBatchsRoomMissesNothingInItsOtherRoomLater() {
        for client in [jane, zak] { client.send("join,cellar") }
        harness.registry.endPass()
        harness.clearAll()
        zak.send("say,lobby,leaving now")
        #expect(zak.reply(to: "leave,lobby") == ["left,lobby"])
        harness.registry.endPass()
        jane.send("say,cellar,still here?")
        harness.registry.endPass()
        #expect(zak.lines == ["say,cellar,Jane,still here?"])
    }

    @Test func aQuitNoticeComesAfterTheRoomLinesSaidBeforeIt() {
        jane.send("say,lobby,last words")
        #expect(zak.reply(to: "quit") == ["say,lobby,Jane,last words", "bye,quit"])
        #expect(amy.take() == ["say,lobby,Jane,last words", "quit,Zak,"])
        harness.registry.endPass()
        #expect(amy.lines.isEmpty)
        #expect(jane.lines == ["quit,Zak,"])
    }

    @Test func aBatchPastItsLimitIsWrittenWithinThePass() {
        let text = String(repeating: "x", count: 1000)
        var said = 0
        while zak.lines.isEmpty {
            jane.send("say,lobby,\(text)")
            said += 1
            #expect(said * 1000 < Registry.passBatchLimit + 1100, "the batch grew past its limit")
            if said * 1000 > 2 * Registry.passBatchLimit { break }
        }
        #expect(said * ("say,lobby,Jane,".count + 1001) >= Registry.passBatchLimit)
        #expect(zak.lines.count == said)
        harness.registry.endPass()
        #expect(zak.lines.count == said)
    }

    @Test func withoutATransportThatEndsPassesLinesAreWrittenAtOnce() {
        harness.registry.onPassBatchOpened = nil
        jane.send("say,lobby,now")
        #expect(zak.lines == ["say,lobby,Jane,now"])
    }
}

private final class Counter {
    var count = 0
}
