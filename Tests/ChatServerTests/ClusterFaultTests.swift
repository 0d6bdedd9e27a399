import ChatTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Faults of a cluster, each caused for real: a node killed, stopped, frozen; Redis killed,
/// restarted empty, frozen, or late; a node's subscription cut.
@Suite struct ClusterFaultTests {
    @Test func aKilledNodesUsersLeaveTheirRoomsWithinTheNodeTimeoutAndTheirNamesAreFree() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--node-timeout", "5"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ClusterTests.join("lobby", [ann, bob])
        cluster.nodes[1].child.kill()
        try ann.expect("quit,Bob,")  // LineClient waits 30 s at most: well past the 5 s timeout
        let newcomer = try cluster.nodes[0].connect()
        try newcomer.send("register,bob\n")
        try newcomer.expect("ack,bob")
        _ = bob
    }

    @Test func aNodeStoppedWithSIGTERMTellsTheOthersAtOnce() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--node-timeout", "60"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ClusterTests.join("lobby", [ann, bob])
        cluster.nodes[1].signal(SIGTERM)
        try bob.expect("bye,shutdown")
        try ann.expect("quit,Bob,")  // long before the 60 s node timeout
        #expect(try cluster.nodes[1].waitForExit() == .exit(0))
        try ann.send("list\n")
        try ann.expect("list,Ann")
    }

    @Test func redisKilledAndStartedEmptyAgain() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--redis-timeout", "1"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ClusterTests.join("lobby", [ann, bob])
        try cluster.redis.kill()
        for node in cluster.nodes { try node.waitForEveryLoopToLoseRedis() }
        // Connected clients stay connected; what needs the cluster says so.
        try ann.send("say,lobby,lost?\nlist\nchat,Bob,x\nping,1\n")
        try ann.expect(lines: ["error,unavailable", "error,unavailable", "error,unavailable", "pong,1"])
        try cluster.redis.start()
        for node in cluster.nodes { try node.waitForEveryLoop("redis available again") }
        // Each node wrote its users and memberships back into the empty Redis.
        try ann.send("who,lobby\n")
        let who = try ann.readLine()
        #expect(who.hasPrefix("who,lobby,") && who.split(separator: ",").dropFirst(2).sorted() == ["Ann", "Bob"], "\(who)")
        try ann.send("say,lobby,back\n")
        try bob.expect("say,lobby,Ann,back")
        let thief = try cluster.nodes[0].connect()
        try thief.send("register,bob\n")
        try thief.expect("error,name-taken,bob")
        for node in cluster.nodes { #expect(node.process.isRunning) }
    }

    @Test func aFrozenRedisIsUnavailableAfterTheRedisTimeoutAndTheChatCarriesOnAfterIt() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--redis-timeout", "1"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        cluster.redis.freeze()
        try ann.send("list\nping,1\n")
        try ann.expect(lines: ["error,unavailable", "pong,1"])
        // Every node (each loop of each process) finds Redis gone by the timeout of its next
        // heartbeat, so that each is known to be back before the chat goes on.
        for node in cluster.nodes { try node.waitForEveryLoopToLoseRedis() }
        cluster.redis.thaw()
        for node in cluster.nodes { try node.waitForEveryLoop("redis available again") }
        try ann.send("chat,Bob,thawed\n")
        try bob.expect("chat,Ann,thawed")
    }

    /// Lines behind a command that waits for Redis stay in the connection's input: past its
    /// limit (`--max-line` and one 64 KiB read) the server stops reading, leaving the rest in
    /// the kernel; once Redis answers, it reads on and answers every line in order.
    @Test func aPipelineBeyondTheInputLimitWaitsBehindAFrozenRedisAndIsAnsweredInOrder() throws {
        let metricsPort = try HTTPResponse.freePort()
        let cluster = try ClusterProcess(nodes: 1, arguments: ["--redis-timeout", "60", "--max-line", "64",
                                                               "--metrics-port", "\(metricsPort)"])
        let inputLimit = 64 + 2 + 65536
        cluster.redis.freeze()
        let ann = try cluster.nodes[0].connect()
        let pings = (0..<9_000).map { "ping,\($0)\n" }
        let beyondTheLimit = "register,Ann\n" + pings[..<7_000].joined()
        #expect(beyondTheLimit.utf8.count > inputLimit)
        try ann.send(beyondTheLimit)
        let deadline = Date().addingTimeInterval(20)
        while try Self.receivedBytes(metricsPort: metricsPort) < inputLimit {
            guard Date() < deadline else { throw TestFailure("the server never read \(inputLimit) bytes") }
        }
        // Paused: 20 KB more stay in the kernel while the loop answers another client twenty times.
        try ann.send(pings[7_000...].joined())
        let bob = try cluster.nodes[0].connect()
        for number in 0..<20 {
            try bob.send("ping,\(number)\n")
            try bob.expect("pong,\(number)")
        }
        #expect(try Self.receivedBytes(metricsPort: metricsPort) < beyondTheLimit.utf8.count + 4096)
        cluster.redis.thaw()
        try ann.expect("ack,Ann")
        for number in 0..<pings.count { try ann.expect("pong,\(number)") }
    }

    /// `chat_received_bytes_total` from the node's `/metrics`.
    static func receivedBytes(metricsPort: UInt16) throws -> Int {
        let body = try HTTPResponse.get("/metrics", port: metricsPort).body
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix("chat_received_bytes_total ") }),
              let value = Double(line.split(separator: " ")[1]) else { throw TestFailure("no chat_received_bytes_total in\n\(body)") }
        return Int(value)
    }

    @Test func aNodeStartedBeforeRedisRetriesAndIsUnhealthyUntilConnected() throws {
        let redis = try RedisProcess(startNow: false)
        let metricsPort = try HTTPResponse.freePort()
        let node = try ServerProcess.start(["--redis", redis.url, "--stats-interval", "0", "--metrics-port", "\(metricsPort)"])
        try node.waitForLog("redis unavailable")
        try node.waitForLog("metrics listening")
        #expect(try HTTPResponse.get("/healthz", port: metricsPort).status == 503)
        try redis.start()
        try node.waitForEveryLoop("redis available again")
        #expect(try HTTPResponse.get("/healthz", port: metricsPort).status == 200)
        let client = try node.connect()
        try client.send("register,Early\n")
        try client.expect("ack,Early")
        #expect(node.logCount("redis unavailable") == node.loops, "one warning (each loop's), not one per retry")
    }

    @Test func aNodeWhoseSubscriptionWasCutCatchesUpFromTheRoomsLog() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ClusterTests.join("lobby", [ann, bob])
        // Every loop of Bob's server is a node; Bob is on one of them: all are cut.
        let bobsNodes = try Self.nodeIDs(of: cluster.nodes[1])
        for round in 0..<30 {
            try ann.send((0..<10).map { "say,lobby,\(round * 10 + $0)\n" }.joined())
            if round == 10 || round == 20 {
                // The second cut comes once the node is back from the first, while Ann goes on.
                if round == 20 { try cluster.nodes[1].waitForEveryLoop("redis available again") }
                for node in bobsNodes { try Self.killConnection(named: "chat-\(node)-sub", in: cluster.redis) }
            }
        }
        for number in 0..<300 { try bob.expect("say,lobby,Ann,\(number)") }
        #expect(try ClusterProcess.sync(bob, via: ann) == [], "each message once")
    }

    @Test func aNodeTakenForGoneWhileFrozenTellsAUserWhoseNameWentToSomeoneElse() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--node-timeout", "5"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ClusterTests.join("lobby", [ann, bob])
        cluster.nodes[1].signal(SIGSTOP)
        try ann.expect("quit,Bob,")
        let thief = try cluster.nodes[0].connect()
        try thief.send("register,Bob\n")
        try thief.expect("ack,Bob")
        cluster.nodes[1].signal(SIGCONT)
        #expect(try bob.readToEOF() == ["bye,name-lost"])
        try ann.send("who,lobby\n")
        try ann.expect("who,lobby,Ann")
    }

    /// The node ids from the `cluster node starting` lines: one per loop of the server.
    static func nodeIDs(of node: ServerProcess) throws -> [String] {
        try node.waitForEveryLoop("cluster node starting")
        return try node.stderr.lines.filter { $0.contains("cluster node starting") }.map { line in
            guard let range = line.range(of: "node=") else { throw TestFailure("no node id in \(line)") }
            return String(line[range.upperBound...].prefix { $0 != " " })
        }
    }

    /// CLIENT KILL of the connection Redis lists under `name`, over Redis's inline protocol.
    static func killConnection(named name: String, in redis: RedisProcess) throws {
        let admin = try LineClient(port: redis.port)
        try admin.send("CLIENT LIST\r\n")
        let header = try admin.readLine()
        guard header.hasPrefix("$"), let length = Int(header.dropFirst().dropLast()) else {
            throw TestFailure("CLIENT LIST answered \(header)")
        }
        let list = try admin.readText(bytes: length + 2)
        guard let line = list.split(separator: "\n").first(where: { $0.contains("name=\(name) ") }),
              let id = line.split(separator: " ").first(where: { $0.hasPrefix("id=") })?.dropFirst(3) else {
            throw TestFailure("no connection named \(name) in:\n\(list)")
        }
        try admin.send("CLIENT KILL ID \(id)\r\n")
        #expect(try admin.readLine() == ":1\r")
    }
}
