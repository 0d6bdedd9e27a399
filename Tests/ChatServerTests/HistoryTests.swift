import Foundation
import Testing

/// Room history replayed on `join`, its size limit, and its end with the room.
@Suite struct HistoryTests {
    /// The parts of one `history,<room>,<unix-ms>,<from>,<text>` line.
    struct Entry: Equatable {
        let room: String, millis: Int64, from: String, text: String

        init?(_ line: String) {
            let fields = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, fields[0] == "history", let millis = Int64(fields[2]) else { return nil }
            (room, self.millis, from, text) = (fields[1], millis, fields[3], fields[4])
        }
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Has `speaker` say each text in `room`, and `listener` (another member) receive each.
    static func say(_ texts: [String], in room: String, by speaker: LineClient, heardBy listener: LineClient) throws {
        for text in texts { try speaker.send("say,\(room),\(text)\n") }
        try listener.expect(lines: texts.map { "say,\(room),\(speaker.name),\($0)" })
    }

    @Test func joinReplaysHistoryOldestFirstWithUnixMillis() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Late")
        try server.join("Lobby", Array(clients[0...1]))
        let before = Self.nowMillis()
        try Self.say(["first", "second, with a comma", ""], in: "Lobby", by: clients[0], heardBy: clients[1])
        try Self.say(["third"], in: "Lobby", by: clients[1], heardBy: clients[0])
        let after = Self.nowMillis()
        try clients[2].send("join,lobby\n")
        try clients[2].expect("joined,Lobby,3")
        let lines = try clients[2].readLines(4)
        let entries = lines.compactMap(Entry.init)
        #expect(entries.count == 4, "not history lines: \(lines)")
        #expect(entries.map(\.room) == Array(repeating: "Lobby", count: 4))
        #expect(entries.map(\.from) == ["Jane", "Jane", "Jane", "Zak"])
        #expect(entries.map(\.text) == ["first", "second, with a comma", "", "third"])
        // Plausible unix milliseconds: around the time the messages were said, oldest first.
        for entry in entries {
            #expect(entry.millis >= before - 60_000 && entry.millis <= after + 60_000, "\(entry.millis) is not about now")
        }
        #expect(entries.map(\.millis) == entries.map(\.millis).sorted())
        #expect(try clients[2].sync() == [])
    }

    @Test func defaultHistoryKeepsTheLastTen() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Late")
        try server.join("lobby", Array(clients[0...1]))
        let texts = (1...13).map { "message \($0)" }
        try Self.say(texts, in: "lobby", by: clients[0], heardBy: clients[1])
        try clients[2].send("join,lobby\n")
        try clients[2].expect("joined,lobby,3")
        let replayed = try clients[2].sync().compactMap(Entry.init)
        #expect(replayed.map(\.text) == Array(texts.suffix(10)))
    }

    @Test(arguments: [(["--history", "2"], [String: String]()), (["--history=2"], [:]), ([], ["CHAT_HISTORY": "2"])])
    func historyFlagKeepsOnlyTheLastTwo(arguments: [String], environment: [String: String]) throws {
        let server = try ServerProcess.start(arguments, environment: environment)
        let clients = try server.registered("Jane", "Zak", "Late")
        try server.join("lobby", Array(clients[0...1]))
        try Self.say(["one", "two", "three"], in: "lobby", by: clients[0], heardBy: clients[1])
        try clients[2].send("join,lobby\n")
        try clients[2].expect("joined,lobby,3")
        let replayed = try clients[2].sync()
        #expect(replayed.compactMap(Entry.init).map(\.text) == ["two", "three"], "got \(replayed)")
        #expect(replayed.count == 2)
    }

    @Test func historyZeroKeepsNothing() throws {
        let server = try ServerProcess.start(["--history", "0"])
        let clients = try server.registered("Jane", "Zak", "Late")
        try server.join("lobby", Array(clients[0...1]))
        try Self.say(["one"], in: "lobby", by: clients[0], heardBy: clients[1])
        try clients[2].send("join,lobby\n")
        try clients[2].expect("joined,lobby,3")
        #expect(try clients[2].sync() == [])
    }

    @Test func historyKeepsTheSenderAsNamedWhenSaid() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Late")
        try server.join("lobby", Array(clients[0...1]))
        try Self.say(["before"], in: "lobby", by: clients[0], heardBy: clients[1])
        try clients[0].send("nick,Janet\n")
        try clients[0].expect("ack,Janet")
        try clients[1].expect("nick,Jane,Janet")
        try clients[0].send("say,lobby,after\n")
        try clients[1].expect("say,lobby,Janet,after")
        try clients[2].send("join,lobby\n")
        try clients[2].expect("joined,lobby,3")
        let replayed = try clients[2].sync().compactMap(Entry.init)
        #expect(replayed.map(\.from) == ["Jane", "Janet"])
        #expect(replayed.map(\.text) == ["before", "after"])
    }

    /// Without a store (protocol v1's behaviour); with one, see ``StoreTests``.
    @Test func theRoomAndItsHistoryGoWithTheLastMember() throws {
        let server = try ServerProcess.start(["--store", "memory"])
        let clients = try server.registered("Jane", "Zak")
        try server.join("Lobby", clients)
        try Self.say(["gone soon"], in: "Lobby", by: clients[0], heardBy: clients[1])
        try clients[0].send("leave,lobby\n")
        try clients[0].expect("left,Lobby")
        try clients[1].expect("leave,Lobby,Jane")
        try clients[1].send("leave,lobby\n")
        try clients[1].expect("left,Lobby")
        try clients[0].send("rooms\nwho,lobby\njoin,LOBBY\n")
        try clients[0].expect(lines: ["rooms", "error,no-such-room,lobby", "joined,LOBBY,1"])
        #expect(try clients[0].sync() == [], "a new room has no history")
    }

    @Test func theRoomGoesWhenItsLastMemberDisconnects() throws {
        let server = try ServerProcess.start(["--store", "memory"])
        let clients = try server.registered("Jane", "Zak")
        try server.join("Lobby", [clients[0]])
        try clients[0].send("say,Lobby,old news\nquit\n")
        #expect(try clients[0].readToEOF() == ["bye,quit"])
        try clients[1].send("join,lobby\n")
        try clients[1].expect("joined,lobby,1")
        #expect(try clients[1].sync() == [])
    }
}
