import ChatTestSupport
import Foundation
import Testing

/// The embedded store (`--store sqlite`, the default) over real sockets, with a real SQLite
/// file in a temporary directory: rooms that outlive their members and restarts, what SIGTERM
/// and `kill -9` keep, and the faults a disk can cause. Never through Redis (a node of a
/// cluster keeps its rooms' records there); at `CHAT_TEST_LOOPS` loops, like every server.
@Suite struct StoreTests {
    typealias Message = Version2Tests.Message

    /// A data directory of the test's own, removed at its end.
    final class DataDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chat-store-test-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func start(_ directory: String, _ arguments: [String] = [], launcher: [String] = []) throws -> ServerProcess {
        // The suite's own arguments, not ServerProcess.start's: never a node of a Redis cluster.
        let server = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0", "--data-dir", directory] + arguments,
                                       launcher: launcher)
        try server.waitUntilListening()
        return server
    }

    /// A registered client that said `hello,2`.
    static func version2(_ server: ServerProcess, _ name: String) throws -> LineClient {
        let client = try server.connect()
        try client.send("register,\(name)\nhello,2\n")
        try client.expect("ack,\(name)")
        try client.expect("hello,2")
        return client
    }

    /// Joins (v2): the `joined` line's epoch and last id, and the replayed messages.
    static func join(_ room: String, _ client: LineClient, resume: String = "") throws -> (epoch: String, lastID: Int64, replay: [Message], end: String) {
        try client.send("join,\(room)\(resume)\n")
        let joined = try client.readLine().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard joined.count == 5, joined[0] == "joined", let lastID = Int64(joined[4]) else { throw TestFailure("not joined: \(joined)") }
        var replay: [Message] = []
        while true {
            let line = try client.readLine()
            if line.hasPrefix("replayed,") { return (joined[3], lastID, replay, line) }
            replay.append(try #require(Message(line), "\(line)"))
        }
    }

    /// Every message the room keeps, by id, paging forward with `history,...,after`.
    static func everything(in room: String, via client: LineClient) throws -> [Int64: String] {
        var kept: [Int64: String] = [:]
        var after: Int64 = 0
        while true {
            try client.send("history,\(room),after,\(after),1000\n")
            var page = 0
            while true {
                let line = try client.readLine()
                if line.hasPrefix("replayed,") { break }
                let message = try #require(Message(line), "\(line)")
                kept[message.id] = message.text
                after = max(after, message.id)
                page += 1
            }
            if page == 0 { return kept }
        }
    }

    /// `chat_store_written_total` from `/metrics`.
    static func written(metricsPort: UInt16) throws -> Int {
        try metric("chat_store_written_total", port: metricsPort)
    }

    static func metric(_ name: String, port: UInt16) throws -> Int {
        let body = try HTTPResponse.get("/metrics", port: port).body
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
              let value = Double(line.split(separator: " ").last ?? "") else { throw TestFailure("no \(name) in /metrics") }
        return Int(value)
    }

    /// A room with kept messages outlives its last member (`who` answers it with no names,
    /// `rooms` does not list it, `history` pages it) and a SIGTERM restart: the next joiner
    /// gets the same epoch, the history with its ids, and the next message the next id.
    @Test func aKeptRoomOutlivesItsLastMemberAndARestart() throws {
        let data = DataDirectory()
        var epoch = ""
        do {
            let server = try Self.start(data.path)
            let ann = try Self.version2(server, "Ann")
            let joined = try Self.join("Lobby", ann)
            #expect(joined.lastID == 0 && joined.replay.isEmpty && joined.end == "replayed,Lobby,0,ok")
            epoch = joined.epoch
            try ann.send("say,Lobby,one\nsay,Lobby,two, with a comma\nsay,Lobby,three\nleave,Lobby\n")
            #expect(try ann.readLines(3).compactMap(Message.init).map(\.id) == [1, 2, 3])
            try ann.expect("left,Lobby")
            let bob = try server.registered("Bob")[0]
            try bob.send("rooms\nwho,lobby\n")
            try bob.expect(lines: ["rooms", "who,Lobby"])
            try bob.send("hello,2\nhistory,lobby,latest,10\n")
            try bob.expect("hello,2")
            let page = try bob.readLines(4)
            #expect(page.dropLast().compactMap(Message.init).map(\.text) == ["one", "two, with a comma", "three"])
            #expect(page.last == "replayed,Lobby,3,ok")
            server.signal(SIGTERM)
            #expect(try server.waitForExit() == .exit(0))
            // Awaited: the last line may still be on its way through the pipe when the exit is seen.
            _ = try server.stderr.waitForLine(timeout: 20) { $0.contains("store closed") }
        }
        let server = try Self.start(data.path)
        #expect(server.stderr.text.contains("rooms=1") && server.stderr.text.contains("messages=3"), "the log says what the store holds")
        let carol = try Self.version2(server, "Carol")
        let joined = try Self.join("lobby", carol)
        #expect(joined.epoch == epoch, "the same record")
        #expect(joined.lastID == 3)
        #expect(joined.replay.map(\.id) == [1, 2, 3] && joined.replay.map(\.from) == ["Ann", "Ann", "Ann"])
        #expect(joined.end == "replayed,Lobby,3,ok")
        try carol.send("say,Lobby,four\n")
        #expect(Message(try carol.readLine())?.id == 4)
        let resumer = try Self.version2(server, "Dave")
        let resumed = try Self.join("Lobby", resumer, resume: ",\(epoch),2")
        #expect(resumed.replay.map(\.text) == ["three", "four"] && resumed.end == "replayed,Lobby,2,ok")
        let v1 = try server.registered("Eve")[0]
        try v1.send("join,lobby\n")
        try v1.expect("joined,Lobby,3")
        #expect(try v1.sync().count == 4, "version 1's history lines, from the store too")
    }

    /// SIGTERM under load loses nothing: every message the server echoed before it stopped is
    /// in the history after the restart, with its id, in the same epoch; ids go on after them.
    @Test func sigtermUnderLoadKeepsEveryMessageEchoed() throws {
        let data = DataDirectory()
        var echoed: [Int64: String] = [:]
        var epoch = ""
        do {
            let server = try Self.start(data.path)
            let ann = try Self.version2(server, "Ann")
            epoch = try Self.join("busy", ann).epoch
            try ann.send((1...3000).map { "say,busy,message \($0)\n" }.joined())
            while echoed.count < 300 {
                let message = try #require(Message(try ann.readLine()))
                echoed[message.id] = message.text
            }
            server.signal(SIGTERM)
            for line in try ann.readToEOF() {
                if let message = Message(line) { echoed[message.id] = message.text }
            }
            #expect(try server.waitForExit() == .exit(0))
        }
        let server = try Self.start(data.path)
        let bob = try Self.version2(server, "Bob")
        let joined = try Self.join("busy", bob)
        #expect(joined.epoch == epoch)
        let kept = try Self.everything(in: "busy", via: bob)
        let lost = echoed.filter { kept[$0.key] != $0.value }
        #expect(lost.isEmpty, "\(lost.count) of \(echoed.count) echoed messages are not kept as echoed")
        #expect(joined.lastID == echoed.keys.max(), "every id given out was kept")
        try bob.send("say,busy,after the restart\n")
        #expect(Message(try bob.readLine())?.id == joined.lastID + 1)
    }

    /// `kill -9` under load: every message the store had written is there after the restart
    /// (the server's own count says which), and no id is given twice: the room's ids skip past
    /// any the dead process may have given out unwritten, and a client resuming across them
    /// is told `gap`.
    @Test func killNineLosesNothingWrittenAndReusesNoId() throws {
        let data = DataDirectory()
        let metricsPort = try HTTPResponse.freePort()
        var echoed: [Int64: String] = [:]
        var written: [Int64: String] = [:]
        do {
            let server = try Self.start(data.path, ["--metrics-port", "\(metricsPort)"])
            let ann = try Self.version2(server, "Ann")
            _ = try Self.join("busy", ann)
            try ann.send((1...500).map { "say,busy,first \($0)\n" }.joined())
            for line in try ann.readLines(500) {
                let message = try #require(Message(line))
                written[message.id] = message.text
            }
            // Awaited, not slept for: the store says it has written them.
            while try Self.written(metricsPort: metricsPort) < 500 {}
            try ann.send((1...3000).map { "say,busy,second \($0)\n" }.joined())
            while echoed.count < 100 {
                let message = try #require(Message(try ann.readLine()))
                echoed[message.id] = message.text
            }
            server.signal(SIGKILL)
            _ = try server.waitForExit()
        }
        let server = try Self.start(data.path)
        #expect(server.stderr.text.contains("unclean=true"))
        let bob = try Self.version2(server, "Bob")
        let joined = try Self.join("busy", bob)
        let kept = try Self.everything(in: "busy", via: bob)
        #expect(written.allSatisfy { kept[$0.key] == $0.value },
                "every message written before the kill is kept: \(written.filter { kept[$0.key] != $0.value }.count) of \(written.count) are not; kept \(kept.count), ids \(kept.keys.min() ?? 0)...\(kept.keys.max() ?? 0), joined \(joined.lastID)")
        #expect(kept.allSatisfy { id, text in (written[id] ?? echoed[id]).map { $0 == text } ?? true }, "what is kept is what was echoed")
        let highest = max(written.keys.max()!, echoed.keys.max()!)
        #expect(joined.lastID > highest, "ids go on past every id given out")
        try bob.send("say,busy,after the kill\n")
        let next = try #require(Message(try bob.readLine()))
        #expect(next.id > highest && kept[next.id] == nil)
        let resumer = try Self.version2(server, "Carol")
        #expect(try Self.join("busy", resumer, resume: ",\(joined.epoch),\(highest)").end.hasSuffix(",gap"))
    }

    /// A database file that is not one: the server does not start, and says where and why in
    /// one line.
    @Test func aCorruptDatabaseIsOneClearLineAtStart() throws {
        let data = DataDirectory()
        try FileManager.default.createDirectory(atPath: data.path, withIntermediateDirectories: true)
        try Data((0..<16384).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: data.path + "/chat.db"))
        let server = try ServerProcess(arguments: ["--port", "0", "--data-dir", data.path])
        #expect(try server.waitForExit() == .exit(1))
        let errors = try StoreFaultTests.errorLines(server)
        #expect(errors.count == 1)
        #expect(errors.first?.contains(data.path + "/chat.db") == true && errors.first?.contains("not a database") == true, "\(errors)")
    }
}
