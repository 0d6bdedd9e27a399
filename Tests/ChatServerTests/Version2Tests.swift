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
}
