import Foundation
import Testing

/// Protocol v2 over real sockets, in whichever world the suite runs (one loop, the loops'
/// hub with `CHAT_TEST_LOOPS`, Redis with `CHAT_TEST_REDIS`): ids from the room's one
/// sequencer, the sender's own message back, `joined` with epoch and last id, the replay.
@Suite struct Version2Tests {
    /// The fields of one `msg,<room>,<id>,<unix-ms>,<from>,<text>` line.
    struct Message: Equatable {
        let room: String, id: Int64, from: String, text: String

        init?(_ line: String) {
            let fields = line.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, fields[0] == "msg", let id = Int64(fields[2]), Int64(fields[3]) != nil else { return nil }
            (room, self.id, from, text) = (fields[1], id, fields[4], fields[5])
        }
    }

    /// Several senders, version 1 and 2 members: every version 2 member hears every message
    /// (its own included) with ids 1, 2, 3... in one order, the same for all; version 1
    /// members keep `say` lines, in that order too.
    @Test func everyMessageHasTheNextIdAndEveryMemberTheSameOrder() throws {
        let server = try ServerProcess.start()
        let names = (0..<6).map { "user\($0)" }
        let clients = try server.registered(names)
        try server.join("agora", clients)
        for client in clients[..<4] {
            try client.send("hello,2\n")
            try client.expect("hello,2")
        }
        let count = 50
        for sender in [0, 1, 4] { try clients[sender].send((1...count).map { "say,agora,\(sender)-\($0)\n" }.joined()) }
        var orders: [[String]] = []
        for client in clients[..<4] {
            let messages = try client.readLines(3 * count).map { line in try #require(Message(line), "\(line)") }
            #expect(messages.map(\.id) == Array(1...Int64(3 * count)), "ids one by one, none missing or twice")
            orders.append(messages.map(\.text))
        }
        #expect(Set(orders.map { $0 }).count == 1, "one order for every version 2 member")
        for (index, client) in clients[4...].enumerated() {
            let texts = try client.readLines(index == 0 ? 2 * count : 3 * count).map { String($0.split(separator: ",")[3...].joined(separator: ",")) }
            #expect(texts == orders[0].filter { index != 0 || !$0.hasPrefix("4-") }, "version 1 lines in the same order")
        }
    }

    /// A version 2 joiner gets the record's epoch and last id, the history as `msg` lines
    /// with their ids, and the end of the replay; the next message has the next id.
    @Test func aJoinReplaysTheHistoryWithIdsAndEndsTheReplay() throws {
        let server = try ServerProcess.start(["--history", "3"])
        let clients = try server.registered("Ann", "Bob")
        try server.join("lobby", [clients[0]])
        try clients[0].send((1...5).map { "say,lobby,\($0)\n" }.joined() + "ping\n")
        try clients[0].expect("pong")
        try clients[1].send("hello,2\njoin,lobby\n")
        try clients[1].expect("hello,2")
        let joined = try clients[1].readLine().split(separator: ",", omittingEmptySubsequences: false)
        #expect(joined.count == 5 && joined[0] == "joined" && joined[2] == "2" && joined[4] == "5", "\(joined)")
        let replay = try clients[1].readLines(4)
        #expect(replay.dropLast().compactMap(Message.init).map(\.id) == [3, 4, 5])
        #expect(replay.last == "replayed,lobby,3,ok")
        try clients[0].send("say,lobby,6\n")
        #expect(Message(try clients[1].readLine())?.id == 6)
    }

    /// A client that drops its connection and comes back resumes from the last id it saw:
    /// every message it missed, none twice, then the live ones; `history` pages back.
    @Test func aClientThatComesBackResumesWithNothingMissedAndNothingTwice() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Ann", "Bob")
        let (ann, bob) = (clients[0], clients[1])
        try server.join("lobby", [ann])
        try ann.send("say,lobby,first\nping\n")
        try ann.expect("pong")
        try bob.send("hello,2\njoin,lobby\n")
        try bob.expect("hello,2")
        let joined = try bob.readLine().split(separator: ",")
        let epoch = String(joined[3])
        try ann.expect("join,lobby,Bob")
        let replayed = try bob.readLines(2)
        #expect(Message(replayed[0])?.text == "first" && replayed[1] == "replayed,lobby,1,ok", "\(replayed)")
        try ann.send((2...5).map { "say,lobby,\($0)\n" }.joined())
        #expect(try bob.readLines(4).compactMap(Message.init).map(\.id) == [2, 3, 4, 5])
        bob.close()
        try ann.expect("quit,Bob,")
        try ann.send((6...9).map { "say,lobby,\($0)\n" }.joined() + "ping\n")
        try ann.expect("pong")
        let back = try server.registered("Bob2")[0]
        try back.send("hello,2\njoin,lobby,\(epoch),5\n")
        try back.expect("hello,2")
        #expect(try back.readLine() == "joined,lobby,2,\(epoch),9")
        let replay = try back.readLines(5)
        #expect(replay.dropLast().compactMap(Message.init).map(\.text) == ["6", "7", "8", "9"])
        #expect(replay.last == "replayed,lobby,4,ok")
        try ann.send("say,lobby,10\n")
        #expect(Message(try back.readLine())?.id == 10, "then the live ones")
        try back.send("history,lobby,before,3,10\n")
        let page = try back.readLines(3)
        #expect(page.dropLast().compactMap(Message.init).map(\.text) == ["first", "2"])
        #expect(page.last == "replayed,lobby,2,ok")
    }

    /// A version 2 client that says something and leaves in one breath hears its message back
    /// before `left`, as the room's other members hear it; on one loop and on the loops' hub
    /// (whose pass batches the message) alike. (A node of a Redis cluster does not echo it:
    /// the message comes back through Redis after the leave; docs/protocol.md says so.)
    @Test(.disabled(if: ServerProcess.testsThroughRedis, "a Redis node's echo comes back after the leave"))
    func aSayThenLeaveInOneBreathStillComesBack() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Ann", "Bob")
        try server.join("lobby", clients)
        try clients[0].send("hello,2\n")
        try clients[0].expect("hello,2")
        try clients[0].send("say,lobby,bye all\nleave,lobby\n")
        let lines = try clients[0].readLines(2)
        #expect(Message(lines[0])?.text == "bye all" && lines[1] == "left,lobby", "\(lines)")
        try clients[1].expect(lines: ["say,lobby,Ann,bye all", "leave,lobby,Ann"])
    }
}
