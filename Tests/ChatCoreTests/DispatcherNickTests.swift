import Testing
@testable import ChatCore

/// `nick`: renames and their notices.
@Suite struct DispatcherNickTests {
    private let harness = ChatHarness()

    @Test func nickAcksAndTellsRoomMatesOncePerRecipient() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        let amy = harness.registered("Amy"), outsider = harness.registered("Out")
        for room in ["a", "b", "c"] { jane.send("join,\(room)"); zak.send("join,\(room)") }
        amy.send("join,c")
        outsider.send("join,elsewhere")
        harness.clearAll()
        #expect(jane.reply(to: "nick, Janet\t") == ["ack,Janet"])
        #expect(zak.lines == ["nick,Jane,Janet"], "three shared rooms, one notice")
        #expect(amy.lines == ["nick,Jane,Janet"])
        #expect(outsider.lines.isEmpty)
        #expect(jane.session.name == ChatName("Janet"))
    }

    @Test func theNewNameIsUsedAndTheOldOneIsFree() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        members[0].send("nick,Janet")
        harness.clearAll()
        #expect(sortedFields(of: members[1].reply(to: "list").first, after: "list") == ["Janet", "Zak"])
        members[0].send("say,lobby,hi")
        members[0].send("chat,Zak")
        #expect(members[1].take() == ["say,lobby,Janet,hi", "chat,Janet,hi"])
        #expect(members[1].reply(to: "chat,Jane") == ["error,no-such-user,Jane"])
        #expect(harness.connect().reply(to: "register,jane") == ["ack,jane"])
    }

    @Test func nickToAnotherSpellingOfOnesNameChangesItAndNotifies() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        #expect(members[0].reply(to: "nick,JANE") == ["ack,JANE"])
        #expect(members[1].take() == ["nick,Jane,JANE"])
        #expect(sortedFields(of: members[1].reply(to: "list").first, after: "list") == ["JANE", "Zak"])
        #expect(members[1].reply(to: "who,lobby").map { sortedFields(of: $0, after: "who,lobby") } == [["JANE", "Zak"]])
    }

    @Test func nickToExactlyOnesNameJustAcks() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        #expect(members[0].reply(to: "nick,Jane") == ["ack,Jane"])
        #expect(members[1].lines.isEmpty)
        #expect(sortedFields(of: members[1].reply(to: "list").first, after: "list") == ["Jane", "Zak"])
    }

    @Test func nickWithoutRoomsJustAcks() {
        let jane = harness.registered("Jane"), zak = harness.registered("Zak")
        #expect(jane.reply(to: "nick,Janet") == ["ack,Janet"])
        #expect(zak.lines.isEmpty)
    }

    @Test func nickToATakenNameIsNameTakenWithTheNameAsGiven() {
        let members = harness.inRoom("lobby", "Jane", "Zak")
        #expect(members[0].reply(to: "nick,zAK") == ["error,name-taken,zAK"])
        #expect(members[0].reply(to: "nick,Zak") == ["error,name-taken,Zak"])
        #expect(members[1].lines.isEmpty)
        #expect(members[0].session.name == ChatName("Jane"))
    }

    @Test func nickToABadNameIsBadName() {
        let jane = harness.registered("Jane")
        #expect(jane.reply(to: "nick,bad name!") == ["error,bad-name,bad name!"])
        #expect(jane.reply(to: "nick," + String(repeating: "n", count: 33)) == ["error,bad-name," + String(repeating: "n", count: 33)])
        #expect(jane.reply(to: "nick,Jåne") == ["error,bad-name,Jåne"])
    }

    @Test(arguments: ["nick", "nick,", "nick, \t", "nick,a,b", "NICK"])
    func nickWithoutExactlyOneNameIsBadArgs(_ line: String) {
        #expect(harness.registered("Jane").reply(to: line) == ["error,bad-args,nick"])
    }

    @Test func nickBeforeRegisterIsNotRegistered() {
        #expect(harness.connect().reply(to: "nick,Jane") == ["error,not-registered"])
    }

    @Test func registeringAgainAfterNickNamesTheCurrentName() {
        let jane = harness.registered("Jane")
        jane.send("nick,Janet")
        #expect(jane.take() == ["ack,Janet"])
        #expect(jane.reply(to: "register,Jane") == ["error,already-registered,Janet"])
    }
}
