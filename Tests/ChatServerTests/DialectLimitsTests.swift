#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The limits and the drain hold on the dialect ports, each closing in its own words.
@Suite struct DialectLimitsTests {
    @Test func aSignalTellsEveryDialectUserInItsWordsAndExitsZero() throws {
        let chat = try DialectServer.start()
        let vee = try chat.server.registered("Vee")[0]
        let jane = try chat.classic("Jane")
        let alice = try chat.nickname("Alice")
        let (tom, _, _) = try chat.telnet()
        #expect(try vee.sync() == [])
        _ = try alice.readLine()  // the telnet user joined

        chat.server.signal(SIGTERM)
        #expect(try vee.readToEOF() == ["bye,shutdown"])
        #expect(try jane.readAllToEOF() == "Server shutting down.\n")
        #expect(try alice.readAllToEOF() == "Server shutting down.\n")
        #expect(try tom.readAllToEOF() == "*** Server shutting down.\r\n")
        #expect(try chat.server.waitForExit() == .exit(0))
    }

    @Test func anIdleDialectUserTimesOutAndTheRoomIsTold() throws {
        let chat = try DialectServer.start(["--idle-timeout", "3", "--stats-interval", "0.1"])
        let (tom, _, _) = try chat.telnet()
        let alice = try chat.nickname("Alice")
        #expect(TelnetWords.event(try tom.readLine()) == "Alice has joined")
        // Alice says nothing more and runs out. Tom sends blank lines (which telnet users'
        // server ignores) until he hears her go, then says nothing and runs out himself.
        let heard = try tom.keepAlive(with: "\r\n", pacedBy: chat.server) { TelnetWords.event($0) != nil }
        #expect(heard.map(TelnetWords.event) == ["Alice has exited"])
        #expect(try alice.readAllToEOF() == "Disconnected: nothing received for too long.\n")
        #expect(try tom.readAllToEOF() == "*** Disconnected: nothing received for too long.\r\n")
    }

    @Test func maxConnectionsCountsEveryPortAndRefusesInTheDialectsWords() throws {
        let chat = try DialectServer.start(["--max-connections", "2"])
        let vee = try chat.server.registered("Vee")
        let jane = try chat.classic("Jane")
        let third = try LineClient(port: chat.nicknamePort)
        #expect(try third.readAllToEOF() == "Server full: try again later.\n")
        let fourth = try LineClient(port: chat.telnetPort)
        #expect(try fourth.readAllToEOF() == "*** Server full: try again later.\r\n")
        try jane.send("list,friends")
        let names = try jane.readText(bytes: "Vee,Jane".utf8.count)
        #expect(Set(names.split(separator: ",")) == ["Vee", "Jane"])
        #expect(try vee[0].sync() == [])
    }

    @Test func aDialectUserThatDoesNotReadIsDroppedAsASlowConsumer() throws {
        let chat = try DialectServer.start(["--max-pending", "65536"])
        let stuck = try LineClient(port: chat.nicknamePort, receiveBuffer: 4096)
        try stuck.expect(text: "GET_NAME")
        try stuck.send("Stuck")
        try stuck.expect("Stuck connected to server!")
        let vee = try chat.server.registered("Vee")[0]
        try vee.send("join,lobby\n")
        try vee.expect("joined,lobby,2")
        let text = String(repeating: "m", count: 1000)
        try vee.send(String(repeating: "say,lobby,\(text)\n", count: KernelSendBuffer.linesToOverflow(lineBytes: 1000, pending: 65536)))
        try vee.send("ping,done\n")
        try vee.expect("quit,Stuck,")
        try vee.expect("pong,done")
    }
}
