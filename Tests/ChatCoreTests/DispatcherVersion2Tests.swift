import Testing
@testable import ChatCore

/// Protocol v2 as far as it goes: `hello`, room messages with ids (the sender's own echoed),
/// `joined` with the record's epoch and last id, and replays that end with `replayed`.
@Suite struct DispatcherVersion2Tests {
    /// `hello,<n>` answers min(n, 2), before or after `register`; once 2, always 2.
    @Test func helloNegotiatesAndStays() {
        let harness = ChatHarness()
        let client = harness.connect()
        #expect(client.reply(to: "hello,1") == ["hello,1"])
        #expect(client.reply(to: "HELLO, 7 ") == ["hello,2"])
        #expect(client.reply(to: "hello,1") == ["hello,2"], "a later hello,1 answers hello,2")
        #expect(client.reply(to: "register,Ann") == ["ack,Ann"])
        #expect(harness.registered("Bob").reply(to: "hello,2") == ["hello,2"], "after register too")
    }

    @Test(arguments: ["hello", "hello,", "hello,0", "hello,-2", "hello,two", "hello,2,3", "hello,1.5"])
    func aVersionThatIsNotAWholeNumberOfAtLeastOneIsBadArgs(_ line: String) {
        #expect(ChatHarness().connect().reply(to: line) == ["error,bad-args,hello"])
    }

    /// Every room message has the next id of its room; a version 2 sender hears its own back,
    /// version 1 members keep their `say` lines.
    @Test func roomMessagesCarryIdsAndComeBackToAVersion2Sender() {
        let harness = ChatHarness()
        harness.setClock(1_000)
        let clients = harness.inRoom("lobby", "Ann", "Bob")
        let (ann, bob) = (clients[0], clients[1])
        #expect(ann.reply(to: "hello,2") == ["hello,2"])
        ann.send("say,lobby,one")
        bob.send("say,lobby,two")
        ann.settle()
        bob.settle()
        #expect(ann.take() == ["msg,lobby,1,1000,Ann,one", "msg,lobby,2,1000,Bob,two"])
        #expect(bob.take() == ["say,lobby,Ann,one"], "a version 1 sender is not told its own")
    }

    /// The join's answer: the record's epoch and last id, the history as `msg` lines with their
    /// ids, and the end of the replay; version 1's join is unchanged.
    @Test func aVersion2JoinGetsTheEpochLastIdAndReplay() throws {
        let harness = ChatHarness(history: 2)
        harness.setClock(5)
        let ann = harness.inRoom("lobby", "Ann")[0]
        for text in ["a", "b", "c"] { ann.send("say,lobby," + text) }
        let bob = harness.registered("Bob")
        #expect(bob.reply(to: "hello,2") == ["hello,2"])
        let reply = bob.reply(to: "join,lobby")
        #expect(reply.count == 4)
        let joined = try #require(reply.first).split(separator: ",", omittingEmptySubsequences: false)
        #expect(joined.count == 5 && joined[0] == "joined" && joined[1] == "lobby" && joined[2] == "2" && joined[4] == "3")
        #expect((1...16).contains(joined[3].count) && joined[3].allSatisfy { $0.isHexDigit }, "an epoch token: \(joined[3])")
        #expect(Array(reply.dropFirst()) == ["msg,lobby,2,5,Ann,b", "msg,lobby,3,5,Ann,c", "replayed,lobby,2,ok"])
        let cy = harness.registered("Cy")
        #expect(cy.reply(to: "join,lobby") == ["joined,lobby,3", "history,lobby,5,Ann,b", "history,lobby,5,Ann,c"])
        // A second member of the room: the same epoch.
        #expect(harness.registered("Dee").reply(to: "hello,2") == ["hello,2"])
    }

    /// The epoch is the record's: the same for every joiner while the room stands, new when it
    /// was emptied (on one loop, with no store, the room goes with its last member).
    @Test func theEpochStandsWithTheRoomsRecord() throws {
        let harness = ChatHarness()
        func epoch(_ client: Client) throws -> String {
            let line = try #require(client.reply(to: "join,lobby").first)
            return String(line.split(separator: ",")[3])
        }
        let ann = harness.registered("Ann")
        let bob = harness.registered("Bob")
        for client in [ann, bob] { _ = client.reply(to: "hello,2") }
        let first = try epoch(ann)
        #expect(try epoch(bob) == first)
        _ = ann.take()
        _ = ann.reply(to: "leave,lobby")
        _ = bob.take()
        _ = bob.reply(to: "leave,lobby")
        #expect(try epoch(ann) != first)
    }

    /// A member that says `hello,2` inside a room gets version 2 lines from then on, and the
    /// room's other members keep theirs.
    @Test func switchingInsideARoomChangesOnlyThatMembersLines() {
        let harness = ChatHarness()
        let clients = harness.inRoom("lobby", "Ann", "Bob", "Cy")
        clients[1].send("say,lobby,before")
        clients[0].settle()
        #expect(clients[0].take() == ["say,lobby,Bob,before"])
        #expect(clients[0].reply(to: "hello,2") == ["hello,2"])
        clients[1].send("say,lobby,after")
        for client in clients { client.settle() }
        #expect(clients[0].take() == ["msg,lobby,2,1700000000123,Bob,after"])
        #expect(clients[2].take() == ["say,lobby,Bob,before", "say,lobby,Bob,after"])
    }

    /// Ann says `count` messages in `lobby` (ids 1...count); Bob, version 2, is registered.
    private func roomWithMessages(_ count: Int, resumeMax: Int = 1000) -> (ChatHarness, ann: Client, bob: Client, epoch: String) {
        var limits = ChatLimits()
        limits.resumeMax = resumeMax
        let harness = ChatHarness(history: 2, limits: limits)
        harness.setClock(9)
        let ann = harness.inRoom("lobby", "Ann")[0]
        _ = ann.reply(to: "hello,2")
        for index in 1...count { ann.send("say,lobby,m\(index)") }
        ann.settle()
        let joined = ann.take()
        let epochLine = harness.registered("Probe")
        _ = epochLine.reply(to: "hello,2")
        let epoch = String(epochLine.reply(to: "join,lobby").first?.split(separator: ",")[3] ?? "")
        _ = epochLine.reply(to: "leave,lobby")
        _ = joined
        ann.settle()
        _ = ann.take()
        let bob = harness.registered("Bob")
        _ = bob.reply(to: "hello,2")
        return (harness, ann, bob, epoch)
    }

    private func ids(_ lines: [String]) -> [Int] {
        lines.filter { $0.hasPrefix("msg,") }.compactMap { Int($0.split(separator: ",")[2]) }
    }

    /// `join,<room>,<epoch>,<after-id>` replays exactly what was missed, and says it is whole.
    @Test func aResumeReplaysEveryMessageAfterTheIdGiven() {
        let (_, _, bob, epoch) = roomWithMessages(7)
        let reply = bob.reply(to: "join,lobby,\(epoch),4")
        #expect(reply.first == "joined,lobby,2,\(epoch),7")
        #expect(ids(reply) == [5, 6, 7])
        #expect(reply.last == "replayed,lobby,3,ok")
    }

    @Test func aResumeThatMissedNothingReplaysNothing() {
        let (_, _, bob, epoch) = roomWithMessages(3)
        #expect(Array(bob.reply(to: "join,lobby,\(epoch),3").dropFirst()) == ["replayed,lobby,0,ok"])
    }

    /// Another epoch, an id from the future, more than --resume-max: the latest it has, and a gap.
    @Test func aResumeThatCannotBeWholeEndsWithAGap() {
        let (harness, _, bob, epoch) = roomWithMessages(7, resumeMax: 4)
        let other = epoch == "1" ? "2" : "1"
        var reply = bob.reply(to: "join,lobby,\(other),4")
        #expect(ids(reply) == [4, 5, 6, 7] && reply.last == "replayed,lobby,4,gap", "another epoch: \(reply)")
        _ = bob.reply(to: "leave,lobby")
        reply = bob.reply(to: "join,lobby,\(epoch),99")
        #expect(ids(reply).isEmpty && reply.last == "replayed,lobby,0,gap", "an id from the future: \(reply)")
        _ = bob.reply(to: "leave,lobby")
        reply = bob.reply(to: "join,lobby,\(epoch),1")
        #expect(ids(reply) == [4, 5, 6, 7] && reply.last == "replayed,lobby,4,gap", "six missed, four at most: \(reply)")
        let cy = harness.registered("Cy")
        #expect(cy.reply(to: "join,lobby,\(epoch),1") == ["error,bad-args,join"], "version 1 has no join with an id")
    }

    /// `history` pages through what the room keeps, without joining.
    @Test func historyPagesLatestBeforeAndAfter() {
        let (_, _, bob, _) = roomWithMessages(9)
        var reply = bob.reply(to: "history,lobby,latest,3")
        #expect(ids(reply) == [7, 8, 9] && reply.last == "replayed,lobby,3,ok")
        reply = bob.reply(to: "history,LOBBY,before,7,4")
        #expect(ids(reply) == [3, 4, 5, 6] && reply.last == "replayed,lobby,4,ok")
        reply = bob.reply(to: "history,lobby,before,3,10")
        #expect(ids(reply) == [1, 2], "fewer than asked: the start of what is kept")
        reply = bob.reply(to: "history,lobby,after,7,10")
        #expect(ids(reply) == [8, 9])
        #expect(bob.reply(to: "history,lobby,after,9,10") == ["replayed,lobby,0,ok"])
        #expect(reply.first?.hasPrefix("msg,lobby,8,9,Ann,m8") == true)
    }

    @Test func historyOfARoomNobodySpokeInIsNoSuchRoom() {
        let harness = ChatHarness()
        _ = harness.inRoom("quiet", "Ann")
        let bob = harness.registered("Bob")
        _ = bob.reply(to: "hello,2")
        #expect(bob.reply(to: "history,quiet,latest,5") == ["error,no-such-room,quiet"])
        #expect(bob.reply(to: "history,nowhere,latest,5") == ["error,no-such-room,nowhere"])
        #expect(bob.reply(to: "history,lobby,latest,0") == ["error,bad-args,history"])
        #expect(harness.registered("Cy").reply(to: "history,quiet,latest,5") == ["error,unknown-command,history"],
                "before hello,2 it is no command")
    }
}
