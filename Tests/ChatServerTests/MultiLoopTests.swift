import ChatTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--loops 4`: one chat over four event loops, clients spread over them by the kernel.
@Suite struct MultiLoopTests {
    /// Sixteen users (the kernel spreads them over the loops), all in one room: every verb
    /// and notice, once per recipient.
    @Test func oneChatOverFourLoops() throws {
        let server = try ServerProcess.start(["--loops", "4", "--stats-interval", "0.2", "--history", "3"])
        let names = (0..<16).map { "user\($0)" }
        let clients = try server.registered(names)
        try server.join("lobby", clients)
        let stats = try server.stderr.waitForLine(timeout: 20) { line in
            line.contains("msg=stats") && line.contains("connections=16")
        }
        let busyLoops = (0..<4).filter { !stats.contains("loop\($0).connections=0") }
        #expect(busyLoops.count > 1, "the clients are on several loops: \(stats)")
        try clients[0].send("say,lobby,one\nsay,lobby,two\n")
        for client in clients.dropFirst() { try client.expect(lines: ["say,lobby,user0,one", "say,lobby,user0,two"]) }
        try clients[5].send("chat,user9,direct\nlist\nwho,lobby\nrooms\n")
        try clients[9].expect("chat,user5,direct")
        #expect(CommandsTests.names(in: try clients[5].readLine(), verb: "list") == names.sorted())
        let who = try clients[5].readLine()
        #expect(who.split(separator: ",").dropFirst(2).map(String.init).sorted() == names.sorted(), "\(who)")
        try clients[5].expect("rooms,lobby")
        try clients[3].send("nick,three\n")
        try clients[3].expect("ack,three")
        for (index, client) in clients.enumerated() where index != 3 { try client.expect("nick,user3,three") }
        try clients[7].send("quit,bye\n")
        try clients[7].expect("bye,quit")
        for (index, client) in clients.enumerated() where index != 7 { try client.expect("quit,user7,bye") }
        for client in [clients[1], clients[15]] { #expect(try client.sync() == [], "each notice once") }
        let late = try server.connect()
        try late.send("register,Late\njoin,lobby\n")
        try late.expect(lines: ["ack,Late", "joined,lobby,16"])
        #expect(try late.readLines(2).map { ClusterTests.withoutTime($0) } == ["history,lobby,user0,one", "history,lobby,user0,two"])
    }

    @Test func limitsAreTheServersNotALoops() throws {
        let server = try ServerProcess.start(["--loops", "4", "--max-connections", "6"])
        let admitted = try (0..<6).map { index in try server.registered("m\(index)")[0] }
        let extra = try server.connect()
        #expect(try extra.readToEOF() == ["bye,server-full"])
        admitted[0].close()
        // Its slot frees once the server has seen the close: a ping from another client is the barrier.
        #expect(try admitted[1].sync() == [])
        var entered = false
        for _ in 0..<50 where !entered {
            let retry = try server.connect()
            try retry.send("register,Back\n")
            entered = (try? retry.readLine()) == "ack,Back"
        }
        #expect(entered)
    }

    @Test func aSlowConsumerOnOneLoopIsDroppedWhileTheRoomFansOutFromAnother() throws {
        let server = try ServerProcess.start(["--loops", "4", "--max-pending", "262144"])
        let stuck = try LineClient(port: server.port, receiveBuffer: 4096)
        try stuck.send("register,Stuck\n")
        try stuck.expect("ack,Stuck")
        let (sender, watcher) = try { let pair = try server.registered("Sender", "Watcher"); return (pair[0], pair[1]) }()
        try server.join("flood", [stuck, sender, watcher])
        // Stuck never reads; the watcher reads every batch as it comes, the quit among them.
        let text = String(repeating: "x", count: 1000)
        var quit = false
        for _ in 0..<100 where !quit {
            try sender.send(String(repeating: "say,flood,\(text)\n", count: 50))
            var seen = 0
            while seen < 50 {
                let line = try watcher.readLine()
                if line.hasPrefix("say,flood,Sender,") { seen += 1 } else if line == "quit,Stuck," { quit = true }
            }
        }
        if !quit { try watcher.expect("quit,Stuck,") }
        #expect(try stuck.readToEOF().last == "bye,slow-consumer")
        #expect(try watcher.sync() == [])
    }

    /// A user joins a room on its loop while another loop floods it: the history in the
    /// join's answer and the messages after it run on with none missing and none twice,
    /// whichever messages the joiner's loop took before the answer came.
    @Test func aJoinWhileTheRoomIsBusyMissesNothingAndRepeatsNothing() throws {
        let server = try ServerProcess.start(["--loops", "4", "--history", "10"])
        let anchors = try server.registered((0..<8).map { "anchor\($0)" })
        let sender = try server.registered(["sender"])[0]
        try server.join("busy", [sender] + anchors)
        let joiners = try server.registered((0..<6).map { "joiner\($0)" })
        var said = 0
        for joiner in joiners {
            let first = said + 1
            said += 2000
            try sender.send((first...said).map { "say,busy,\($0)\n" }.joined())
            try joiner.send("join,busy\n")
            // The next line the sender gets, whenever it comes: no ping is a barrier across loops.
            #expect(try sender.readLine() == "join,busy,joiner\(said / 2000 - 1)", "the join, none of its own")
            // Up to the last line said, however late: a ping is no barrier here either (the join's
            // answer and the messages after it come in one batch from the hub, and the pong of
            // a ping held behind the join goes out between them). A lost line times out.
            let seen = try joiner.readNumbers(saidBy: "sender", in: "busy", through: said)
            let gaps = zip(seen, seen.dropFirst()).filter { $1 != $0 + 1 }
            #expect(gaps.isEmpty, "one run with no gap or repeat: \(gaps.prefix(5))")
        }
    }

    /// Four senders on different loops say at once in one room: every member, on whichever
    /// loop, hears the room's messages in the one order the room's sequencer gave them (any
    /// two members agree on the order of every message both heard).
    @Test func everyMemberOnEveryLoopHearsTheRoomInOneOrder() throws {
        let server = try ServerProcess.start(["--loops", "4"])
        let clients = try server.registered((0..<12).map { "user\($0)" })
        try server.join("agora", clients)
        let senders = 4, count = 300
        for sender in 0..<senders {
            try clients[sender].send((1...count).map { "say,agora,\(sender)-\($0)\n" }.joined())
        }
        let heard = try clients.enumerated().map { index, client in
            try client.readLines(index < senders ? (senders - 1) * count : senders * count).map { line in
                String(line.split(separator: ",").last ?? "")
            }
        }
        for sender in 0..<senders {
            let own = heard[sender + 1].filter { $0.hasPrefix("\(sender)-") }
            #expect(own == (1...count).map { "\(sender)-\($0)" }, "each sender's messages in the order said")
        }
        for first in heard.indices {
            for second in heard.indices where second > first {
                let both = { (text: String) in !text.hasPrefix("\(first)-") && !text.hasPrefix("\(second)-") }
                #expect(heard[first].filter(both) == heard[second].filter(both), "user\(first) and user\(second) disagree")
            }
        }
    }

    /// A sender's messages in two rooms, said alternately in one pass, reach a member of both
    /// in the order said: the hub gets the pass's rooms in the order their messages came.
    @Test(arguments: [2, 4])
    func aSendersMessagesInTwoRoomsReachAMemberOfBothInTheOrderSaid(loops: Int) throws {
        let server = try ServerProcess.start(["--loops", "\(loops)"])
        let clients = try server.registered((0..<8).map { "user\($0)" })
        for room in ["east", "west"] { try server.join(room, clients) }
        let count = 400
        try clients[0].send((1...count).map { "say,\($0 % 2 == 0 ? "east" : "west"),\($0)\n" }.joined())
        for listener in clients.dropFirst() {
            let numbers = try listener.readLines(count).map { Int($0.split(separator: ",").last ?? "") ?? 0 }
            #expect(numbers == Array(1...count), "\(listener.name) got them out of order")
        }
    }

    /// Members of one room on every loop: each hears only its own `bye,shutdown`, not the
    /// others leaving as their loops close (the loops stop together, so that is not news).
    @Test func sigtermDrainsEveryLoopAndExitsZero() throws {
        let server = try ServerProcess.start(["--loops", "4"])
        let clients = try server.registered((0..<12).map { "d\($0)" })
        try server.join("everyone", clients)
        for client in clients { #expect(try client.sync() == []) }
        server.signal(SIGTERM)
        for client in clients { #expect(try client.readToEOF() == ["bye,shutdown"]) }
        #expect(try server.waitForExit() == .exit(0))
    }

    /// The drain timeout stops a loop whose client never reads: the process still exits 0 (it
    /// used to crash freeing that loop's node while its hub connection answered its handlers).
    @Test func aClientThatNeverReadsDelaysTheExitAtMostTheDrainTimeoutOnAnyLoop() throws {
        let server = try ServerProcess.start(["--loops", "4", "--drain-timeout", "1", "--max-pending", "0"])
        let stuck = try LineClient(port: server.port, receiveBuffer: 4096)
        let token = String(repeating: "x", count: 4000)
        for _ in 0..<3000 { try stuck.send("ping,\(token)\n") }
        let others = try server.registered((0..<6).map { "w\($0)" })
        try server.join("room", others)
        #expect(try others[0].sync() == [])
        server.signal(SIGTERM)
        #expect(try server.waitForExit() == .exit(0))
        stuck.resetClose()
    }

    @Test func aHalfCloseWhileACommandWaitsStillGetsItsReply() throws {
        let server = try ServerProcess.start(["--loops", "2"])
        let client = try server.connect()
        try client.send("register,Half\nlist")
        try client.halfClose()
        #expect(try client.readToEOF() == ["ack,Half", "list,Half"])
    }

    /// A loop count that is not 0 to 1024, by flag or by `CHAT_LOOPS`, is a usage error that names the flag.
    @Test(arguments: [(["--loops", "-1"], [String: String]()), (["--loops", "1025"], [:]), (["--loops", "two"], [:]),
                      ([], ["CHAT_LOOPS": "-1"])])
    func aBadLoopCountIsRefusedAtStart(arguments: [String], environment: [String: String]) throws {
        let process = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0"] + arguments,
                                        environment: environment)
        #expect(try process.waitForExit() == .exit(64))
        #expect(try process.stderr.waitForEnd().contains("--loops"))
    }

    /// Without `--loops` a server runs one loop per CPU it may use: `taskset` narrows its
    /// affinity mask to one CPU, then to every CPU of this machine's mask.
    @Test(arguments: [1, 2])
    func theDefaultLoopCountIsTheCPUsTheProcessMayUse(cpus: Int) throws {
        let available = allowedCPUs()
        try #require(available.count >= cpus, "this machine lets the tests use \(available.count) CPU(s)")
        let list = available.prefix(cpus).map(String.init).joined(separator: ",")
        let server = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0"],
                                       launcher: ["/usr/bin/taskset", "-c", list], defaultLoops: true)
        try server.waitUntilListening()
        let line = server.stderr.lines.first { $0.contains("listening") } ?? ""
        #expect(line.contains("loops=\(cpus)"), "\(line)")
        let client = try server.connect()
        try client.send("ping,1\n")
        try client.expect("pong,1")
    }
}

/// The CPUs this test process may run on: the bits of `Cpus_allowed` in /proc/self/status.
private func allowedCPUs() -> [Int] {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return [0] }
    let nibbles = line.dropFirst("Cpus_allowed:".count).filter(\.isHexDigit).reversed().compactMap(\.hexDigitValue)
    return nibbles.enumerated().flatMap { position, nibble in (0..<4).filter { nibble & (1 << $0) != 0 }.map { position * 4 + $0 } }
}
