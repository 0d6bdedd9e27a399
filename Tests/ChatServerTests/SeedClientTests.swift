import ChatTestSupport
import Foundation
import Testing

/// The classic chats' own clients, run unchanged from their texts (Tests/Seeds), against
/// this server's dialect ports, in one chat with each other and with protocol v1 users.
@Suite struct SeedClientTests {
    static let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Seeds")

    /// `run_seed.py` with the lessons' sleeps at a fifth of their length.
    static func seed(_ arguments: [String], input: Bool = false) throws -> ChildProcess {
        try ChildProcess("/usr/bin/env", ["python3", "-u", seeds.appendingPathComponent("run_seed.py").path] + arguments,
                         environment: ["SEED_TIME_SCALE": "0.2", "PYTHONDONTWRITEBYTECODE": "1"], input: input)
    }

    static let timeout: TimeInterval = 30

    @Test(arguments: ["classic-threaded", "classic-async"])
    func theLessonsUsersChatWithEachOtherAndWithAV1User(client: String) throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        let users = try Self.seed([client, "\(chat.classicPort)", "Jane", "Zak"])
        // Each user lists its friends, Vee among them, and chats them at random: Vee hears both.
        // Each picks a friend every 0.4 to 1.2 s, at random: Vee may go unpicked for longer
        // than one line's time-out, which the whole wait outlasts.
        var heard: Set<String> = []
        let deadline = Date(timeIntervalSinceNow: Self.timeout)
        while heard != ["chat,Jane,hi", "chat,Zak,hi"] {
            do {
                heard.insert(try vee.readLine())
            } catch LineClient.Failure.timedOut where Date() < deadline {
                continue
            }
        }
        try vee.send("list\n")
        var answer = try vee.readLine()
        while answer.hasPrefix("chat,") { answer = try vee.readLine() }  // the lesson's users chat on meanwhile
        #expect(sortedFields(of: answer, after: "list") == ["Jane", "Vee", "Zak"])
        try vee.send("chat,Jane,hello from v1\n")
        // Each client prints what one recv() returned: two answers that arrive together print
        // as one, the second on a line of its own, so a line is matched by its end. Only Jane
        // was sent this text, and only the lesson's users send hi.
        _ = try users.stdout.waitForLine(timeout: Self.timeout) { $0.hasSuffix("Vee says hello from v1") }
        _ = try users.stdout.waitForLine(timeout: Self.timeout) { $0.contains("Zak received: Jane says hi") || $0.hasPrefix("Jane says hi") }
        #expect(!users.stderr.text.contains("Traceback"), "\(users.stderr.text)")
    }

    @Test func theChatRoomClientsTalkInTheRoomWithAV1Member() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("join,lobby\n")
        try vee.expect("joined,lobby,1")
        let alice = try Self.seed(["chatroom", "\(chat.nicknamePort)"], input: true)
        try alice.write("Alice\n")
        _ = try alice.stdout.waitForLine(timeout: Self.timeout) { $0.contains("Alice connected to server!") }
        try vee.expect("join,lobby,Alice")
        let bob = try Self.seed(["chatroom", "\(chat.nicknamePort)"], input: true)
        try bob.write("Bob\n")
        _ = try bob.stdout.waitForLine(timeout: Self.timeout) { $0.contains("Bob connected to server!") }
        _ = try alice.stdout.waitForLine(timeout: Self.timeout) { $0.contains("Bob joined!") }
        try vee.expect("join,lobby,Bob")

        try alice.write("hello from the article\n")
        _ = try bob.stdout.waitForLine(timeout: Self.timeout) { $0 == "Alice: hello from the article" }
        try vee.expect("say,lobby,Alice,hello from the article")
        try vee.send("say,lobby,hello from v1\n")
        _ = try alice.stdout.waitForLine(timeout: Self.timeout) { $0 == "Vee: hello from v1" }
        _ = try bob.stdout.waitForLine(timeout: Self.timeout) { $0 == "Vee: hello from v1" }

        try bob.write("q\n")
        _ = try alice.stdout.waitForLine(timeout: Self.timeout) { $0 == "Bob left!" }
        try vee.expect("quit,Bob,")
        bob.kill()  // that client prints empty lines for ever once its server has closed
        for client in [alice, bob] {
            #expect(!client.stderr.text.contains("Traceback"), "\(client.stderr.text)")
        }
    }

    @Test func aTelnetSessionTypesLinesIntoTheRoom() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("join,lobby\n")
        try vee.expect("joined,lobby,1")
        let telnet = try ChildProcess("/usr/bin/env", ["telnet", "127.0.0.1", "\(chat.telnetPort)"], input: true)
        let joined = try vee.readLine()
        let name = String(joined.dropFirst("join,lobby,".count))
        // telnet shows the server's CRLF line ends as plain line ends.
        _ = try telnet.stdout.waitForLine(timeout: Self.timeout) { $0.hasSuffix("-- \(name) has joined") }
        try telnet.write("hello over telnet\n")
        try vee.expect("say,lobby,\(name),hello over telnet")
        try telnet.write("/nick Tim\n")
        try vee.expect("nick,\(name),Tim")
        try vee.send("say,lobby,welcome Tim\n")
        _ = try telnet.stdout.waitForLine(timeout: Self.timeout) { $0.hasSuffix("-- Message from Vee:") }
        _ = try telnet.stdout.waitForLine(timeout: Self.timeout) { $0 == "\twelcome Tim" }
        try telnet.write("/quit bye all\n")
        try vee.expect("quit,Tim,bye all")
        _ = try telnet.stderr.waitForLine(timeout: Self.timeout) { $0.contains("Connection closed by foreign host") }
        try telnet.waitForExit(timeout: Self.timeout)
    }
}
