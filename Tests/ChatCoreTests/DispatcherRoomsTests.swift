import Testing
@testable import ChatCore

/// `join`, `say`, `leave`, `rooms` and `who`.
@Suite struct DispatcherRoomsTests {
    private let harness = ChatHarness()

    @Test func joinAnswersWithTheCountAndTellsTheOtherMembers() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak"), amy = harness.registered("Amy")
        #expect(jane.reply(to: "join,lobby") == ["joined,lobby,1"])
        #expect(zak.reply(to: "join,lobby") == ["joined,lobby,2"])
        #expect(jane.take() == ["join,lobby,Zak"])
        #expect(amy.reply(to: "JOIN, lobby\t") == ["joined,lobby,3"])
        #expect(jane.lines == ["join,lobby,Amy"])
        #expect(zak.lines == ["join,lobby,Amy"])
    }

    @Test func aRoomIsShownAsItsCreatorWroteIt() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        #expect(jane.reply(to: "join,LoBBy") == ["joined,LoBBy,1"])
        #expect(zak.reply(to: "join,lobby") == ["joined,LoBBy,2"])
        #expect(jane.lines == ["join,LoBBy,Zak"])
        zak.send("say,LOBBY,hi")
        #expect(jane.lines == ["join,LoBBy,Zak", "say,LoBBy,Zak,hi"])
        #expect(zak.reply(to: "rooms") == ["rooms,LoBBy"])
        #expect(zak.reply(to: "leave,lobby") == ["left,LoBBy"])
    }

    @Test func joiningARoomOneIsInIsAlreadyInRoomWithTheRoomAsGiven() {
        let jane = harness.registered("Jane")
        jane.send("join,lobby")
        #expect(jane.take() == ["joined,lobby,1"])
        #expect(jane.reply(to: "join,LOBBY") == ["error,already-in-room,LOBBY"])
        #expect(jane.reply(to: "join,bad room!") == ["error,bad-name,bad room!"])
    }

    @Test func sayReachesEveryOtherMemberWithTheTextAsSent() {
        let members = harness.inRoom("lobby", "Jane", "Zak", "Amy")
        let outsider = harness.registered("Out")
        #expect(members[0].reply(to: "say,lobby,hello, all") == [])
        #expect(members[1].lines == ["say,lobby,Jane,hello, all"])
        #expect(members[2].lines == ["say,lobby,Jane,hello, all"])
        #expect(outsider.lines.isEmpty)
    }

    @Test(arguments: ["", " ", "  leading and trailing  ", ",", "a, b ,c", "héllo 世界 😀"])
    func sayTextMayBeEmptyAndIsKeptByteForByte(_ text: String) {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[1].send("say, LOBBY\t," + text)
        #expect(members[0].lines == ["say,lobby,Zak," + text])
        #expect(members[1].lines.isEmpty)
    }

    @Test func sayOutsideTheRoomIsNotInRoom() {
        _ = harness.inRoom("lobby", "Jane")
        let zak = harness.registered("Zak")
        #expect(zak.reply(to: "say,nowhere,x") == ["error,not-in-room,nowhere"])
        #expect(zak.reply(to: "say, Lobby ,x") == ["error,not-in-room,Lobby"])
        #expect(zak.reply(to: "say,bad room!,x") == ["error,bad-name,bad room!"])
    }

    @Test func leaveAnswersLeftAndTellsTheOthers() {
        let members = harness.inRoom("lobby", "Jane", "Zak", "Amy")
        #expect(members[0].reply(to: "leave, lobby ") == ["left,lobby"])
        #expect(members[1].take() == ["leave,lobby,Jane"])
        #expect(members[2].take() == ["leave,lobby,Jane"])
        #expect(members[0].reply(to: "leave,lobby") == ["error,not-in-room,lobby"])
        #expect(members[0].reply(to: "say,lobby,x") == ["error,not-in-room,lobby"])
        #expect(members[1].reply(to: "who,lobby").map { sortedFields(of: $0, after: "who,lobby") } == [["Amy", "Zak"]])
        members[1].send("say,lobby,still here")
        #expect(members[0].lines.isEmpty)
    }

    @Test func leaveOfARoomThatDoesNotExistIsNotInRoom() {
        let jane = harness.registered("Jane")
        #expect(jane.reply(to: "leave,nowhere") == ["error,not-in-room,nowhere"])
        #expect(jane.reply(to: "leave,no where") == ["error,bad-name,no where"])
    }

    @Test func roomsListsRoomsWithMembers() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        #expect(jane.reply(to: "rooms") == ["rooms"])
        jane.send("join,lobby")
        zak.send("join,Cellar")
        zak.send("join,lobby")
        harness.clearAll()
        #expect(jane.reply(to: "rooms").map { sortedFields(of: $0, after: "rooms") } == [["Cellar", "lobby"]])
        zak.send("leave,Cellar")
        #expect(jane.reply(to: " ROOMS ") == ["rooms,lobby"])
    }

    @Test func anEmptiedRoomIsRemovedWithItsHistory() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        jane.send("join,Lobby")
        zak.send("join,lobby")
        jane.send("say,lobby,remember me")
        jane.send("leave,lobby")
        zak.send("leave,LOBBY")
        harness.clearAll()
        #expect(jane.reply(to: "rooms") == ["rooms"])
        #expect(jane.reply(to: "who,Lobby") == ["error,no-such-room,Lobby"])
        #expect(zak.reply(to: "join,lobby") == ["joined,lobby,1"], "re-created: new spelling, no history")
        #expect(jane.reply(to: "join,LOBBY") == ["joined,lobby,2"])
    }

    @Test func whoListsTheMembersAndNeedsNoMembership() {
        _ = harness.inRoom("Lobby", "Jane", "Zak")
        let outsider = harness.registered("Out")
        #expect(outsider.reply(to: "who, lobby").map { sortedFields(of: $0, after: "who,Lobby") } == [["Jane", "Zak"]])
        #expect(outsider.reply(to: "who,nowhere") == ["error,no-such-room,nowhere"])
        #expect(outsider.reply(to: "who,no where") == ["error,bad-name,no where"])
    }

    @Test func membershipIsPerRoom() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak"), amy = harness.registered("Amy")
        jane.send("join,a")
        zak.send("join,a")
        zak.send("join,b")
        amy.send("join,b")
        harness.clearAll()
        zak.send("say,a,to a")
        zak.send("say,b,to b")
        #expect(jane.lines == ["say,a,Zak,to a"])
        #expect(amy.lines == ["say,b,Zak,to b"])
        #expect(zak.reply(to: "leave,a") == ["left,a"])
        #expect(jane.take() == ["say,a,Zak,to a", "leave,a,Zak"])
        #expect(amy.lines == ["say,b,Zak,to b"])
    }

    @Test(arguments: ["join", "join,", "join, ", "join,\t", "join,a,b", "JOIN,a,", "leave", "leave,", "leave,a,b",
                      "say", "say,", "say,lobby", "say, ,text", "who", "who,", "who,a,b", "rooms,", "rooms,x"])
    func missingExtraOrEmptyFieldsAreBadArgsNamingTheVerb(_ line: String) {
        let jane = harness.registered("Jane")
        let verb = line.split(separator: ",", omittingEmptySubsequences: false)[0].lowercased()
        #expect(jane.reply(to: line) == ["error,bad-args,\(verb)"])
    }
}
