import Foundation
import Testing

/// `--max-connections-per-address`, `--exempt-addresses` and `--registration-timeout`,
/// over real sockets from several loopback addresses.
@Suite struct AddressLimitsTests {
    @Test func oneAddressCannotLockOthersOut() throws {
        let server = try ServerProcess.start(["--exempt-addresses", "none", "--registration-timeout", "10"])
        // The attack: one address opens connection after connection and says nothing.
        var attackers: [LineClient] = []
        for _ in 0..<100 { attackers.append(try LineClient(port: server.port, source: "127.0.0.1")) }
        // All of them are in and counted (with several loops, each accepts from a queue of its
        // own): a ping each, which does not put off the registration timeout.
        for (index, attacker) in attackers.enumerated() { try attacker.send("ping,\(index)\n") }
        for (index, attacker) in attackers.enumerated() { try attacker.expect("pong,\(index)") }
        for _ in 0..<200 {
            let extra = try LineClient(port: server.port, source: "127.0.0.1")
            #expect(try extra.readToEOF() == ["bye,too-many-connections"])
        }
        // Another address still gets in and chats.
        let others = try ["Jane", "Zak"].map { name in
            let client = try LineClient(port: server.port, source: "127.0.0.2")
            try client.send("register,\(name)\n")
            try client.expect("ack,\(name)")
            return client
        }
        let (jane, zak) = (others[0], others[1])
        try jane.send("chat,Zak,still open\n")
        try zak.expect("chat,Jane,still open")
        // The silent ones are closed when their registration time runs out; the address is free again.
        for attacker in attackers { #expect(try attacker.readToEOF() == ["bye,registration-timeout"]) }
        // The server closed them: their places are free.
        let back = try LineClient(port: server.port, source: "127.0.0.1")
        try back.send("register,Back\n")
        try back.expect("ack,Back")
    }

    /// Connections opened one after another: whatever the number of loops, the limit counts
    /// them in the order they came, so the one past it is the one refused. (When each loop
    /// accepted for itself, at `--loops 2` the sixth got in 8 times in 20.) Each round from an
    /// address of its own, so that no round waits for the server to let the last one's go.
    @Test func theConnectionPastThePerAddressLimitIsTheOneRefused() throws {
        let server = try ServerProcess.start(["--max-connections-per-address", "5", "--exempt-addresses", "none"])
        for round in 1...10 {
            let source = "127.0.0.\(10 + round)"
            let held = try (0..<5).map { _ in try LineClient(port: server.port, source: source) }
            let sixth = try LineClient(port: server.port, source: source)
            #expect(try sixth.readToEOF() == ["bye,too-many-connections"], "round \(round)")
            for client in held { #expect(try client.sync() == [], "round \(round)") }
        }
    }

    /// Connections opened all at once, from several threads: exactly the limit get in.
    @Test func connectionsOpenedAllAtOnceAreAdmittedUpToTheLimit() throws {
        let server = try ServerProcess.start(["--max-connections-per-address", "5", "--exempt-addresses", "none"])
        let lock = NSLock(), port = server.port
        nonisolated(unsafe) var clients: [LineClient] = []
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            do {
                let client = try LineClient(port: port, source: "127.0.0.9")
                lock.withLock { clients.append(client) }
            } catch {
                lock.withLock { failures.append("\(error)") }
            }
        }
        #expect(failures == [])
        var admitted = 0, refused = 0
        for client in clients {
            // An admitted one answers the ping; a refused one has said bye and closed.
            if let lines = try? client.sync() { admitted += lines.isEmpty ? 1 : 0 } else { refused += 1 }
        }
        #expect(admitted == 5 && refused == 7, "admitted \(admitted), refused \(refused)")
    }

    @Test func exemptAddressesAreNotCounted() throws {
        let server = try ServerProcess.start(["--max-connections-per-address", "2", "--exempt-addresses", "127.0.0.2/32, ::1"])
        let exempt = try (0..<4).map { _ in try LineClient(port: server.port, source: "127.0.0.2") }
        for client in exempt { #expect(try client.sync() == []) }
        let counted = try (0..<2).map { _ in try LineClient(port: server.port, source: "127.0.0.3") }
        for client in counted { #expect(try client.sync() == []) }
        let third = try LineClient(port: server.port, source: "127.0.0.3")
        #expect(try third.readToEOF() == ["bye,too-many-connections"])
        // A place freed is taken again.
        counted[0].close()
        #expect(try counted[1].sync() == [])
        var again: LineClient?
        for _ in 0..<100 where again == nil {
            let attempt = try LineClient(port: server.port, source: "127.0.0.3")
            if (try? attempt.sync()) == [] { again = attempt }  // the server may not have seen the close yet
        }
        #expect(again != nil)
    }

    @Test func aConnectionThatDoesNotRegisterInTimeIsClosedInItsWords() throws {
        let chat = try DialectServer.start(["--registration-timeout", "3"])
        let registered = try chat.server.registered("Vee")[0]
        let silent = try chat.server.connect()
        #expect(try silent.sync() == [], "ping works before registering")
        let classic = try LineClient(port: chat.classicPort)
        let nickname = try LineClient(port: chat.nicknamePort)
        try nickname.expect(text: "GET_NAME")
        #expect(try silent.readToEOF() == ["bye,registration-timeout"])
        #expect(try classic.readAllToEOF() == "Disconnected: no name given in time.\n")
        #expect(try nickname.readAllToEOF() == "Disconnected: no name given in time.\n")
        #expect(try registered.sync() == [], "a registered user stays")
    }

    @Test func aBadExemptBlockIsABadFlag() throws {
        let server = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0", "--exempt-addresses", "10.0.0.0/33"])
        #expect(try server.waitForExit() == .exit(64))
        #expect(server.stderr.text.contains("--exempt-addresses"), "got \(server.stderr.text)")
    }
}
