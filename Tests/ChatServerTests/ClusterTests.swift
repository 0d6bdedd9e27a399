import ChatTestSupport
import Foundation
import Testing

/// Protocol v1 across the nodes of a cluster: a real Redis, real nodes, each pair of users
/// on different nodes.
@Suite struct ClusterTests {
    @Test func namesAreUniqueAcrossNodesCaseInsensitivelyAndListNamesEveryUser() throws {
        let cluster = try ClusterProcess(nodes: 3)
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        let cy = try cluster.user("Cy", on: 2)
        let other = try cluster.nodes[2].connect()
        try other.send("register,ann\nregister,BOB\n")
        try other.expect(lines: ["error,name-taken,ann", "error,name-taken,BOB"])
        for client in [ann, bob, cy] {
            try client.send("list\n")
            #expect(CommandsTests.names(in: try client.readLine(), verb: "list") == ["Ann", "Bob", "Cy"])
        }
    }

    /// A message said just before its sender renamed comes back through Redis after the
    /// rename's answer, naming the old name: its sender is still not told it, nor its own
    /// join; the others hear it under the old name, then the rename. (It was echoed to the
    /// sender, after its `ack`.)
    @Test func aSenderThatRenamesAtOnceIsNotToldItsOwnMessage() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let jane = try cluster.user("Jane", on: 0)
        let zak = try cluster.user("Zak", on: 0)
        let amy = try cluster.user("Amy", on: 1)
        for round in 1...10 {
            let room = "r\(round)"
            try ClusterTests.join(room, [zak, amy])
            let (old, new) = round % 2 == 1 ? ("Jane", "Janet") : ("Janet", "Jane")
            try jane.send("join,\(room)\n")
            try jane.expect("joined,\(room),3")
            for other in [zak, amy] { try other.expect("join,\(room),\(old)") }
            try jane.send("say,\(room),hello\nchat,Zak,psst\nnick,\(new)\nping,\(round)\n")
            try jane.expect(lines: ["ack,\(new)", "pong,\(round)"])
            try zak.expect(lines: ["say,\(room),\(old),hello", "chat,\(old),psst", "nick,\(old),\(new)"])
            try amy.expect(lines: ["say,\(room),\(old),hello", "nick,\(old),\(new)"])
            // Its own message, had it come, would be here, before the answer to a later line.
            try jane.send("leave,\(room)\n")
            try jane.expect("left,\(room)")
            for other in [zak, amy] { try other.expect("leave,\(room),\(new)") }
        }
        #expect(try jane.sync() == [])
    }

    @Test func directChatReachesAUserOnAnyNodeAndNoSuchUserOnlyWhenNobodyHasTheName() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        try ann.send("chat,bob,hello there\nchat,Nobody,hi\nchat,Bob\n")
        try ann.expect("error,no-such-user,Nobody")
        try bob.expect(lines: ["chat,Ann,hello there", "chat,Ann,hi"])
        try bob.send("chat,Ann,back\n")
        try ann.expect("chat,Bob,back")
    }

    @Test func roomsHaveMembersOnEveryNodeWithClusterWideCountsWhoRoomsAndHistory() throws {
        // --store memory: the room goes with its last member, as in protocol v1 (ClusterRecordTests:
        // with the default store its record stays).
        let cluster = try ClusterProcess(nodes: 3, arguments: ["--history", "2", "--store", "memory"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        let cy = try cluster.user("Cy", on: 2)
        try ann.send("join,Lobby\n")
        try ann.expect("joined,Lobby,1")
        try bob.send("join,lobby\n")
        try bob.expect("joined,Lobby,2")
        try ann.expect("join,Lobby,Bob")
        try ann.send("say,lobby,one\nsay,lobby,two\nsay,lobby,three\n")
        for line in ["say,Lobby,Ann,one", "say,Lobby,Ann,two", "say,Lobby,Ann,three"] { try bob.expect(line) }
        try bob.send("say,LOBBY,four\n")
        try ann.expect("say,Lobby,Bob,four")
        // The newcomer on a third node: the room's count, its last two messages, said on two nodes.
        try cy.send("join,lobby\n")
        try cy.expect("joined,Lobby,3")
        let history = try cy.readLines(2)
        #expect(history.map { Self.withoutTime($0) } == ["history,Lobby,Ann,three", "history,Lobby,Bob,four"])
        try ann.expect("join,Lobby,Cy")
        try bob.expect("join,Lobby,Cy")
        try cy.send("who,lobby\nrooms\nwho,nowhere\n")
        let who = try cy.readLine()
        #expect(who.hasPrefix("who,Lobby,") && who.split(separator: ",").dropFirst(2).sorted() == ["Ann", "Bob", "Cy"], "\(who)")
        try cy.expect("rooms,Lobby")
        try cy.expect("error,no-such-room,nowhere")
        // Leaving: the others hear it once; the last one out takes the room and its history.
        try bob.send("leave,lobby\n")
        try bob.expect("left,Lobby")
        try ann.expect("leave,Lobby,Bob")
        try cy.expect("leave,Lobby,Bob")
        try cy.send("leave,lobby\n")
        try cy.expect("left,Lobby")
        try ann.expect("leave,Lobby,Cy")
        try ann.send("leave,lobby\n")
        try ann.expect("left,Lobby")
        try bob.send("rooms\njoin,lobby\n")
        try bob.expect(lines: ["rooms", "joined,lobby,1"])
    }

    @Test func nickAndQuitReachEachRoomMateOnceWhicheverNode() throws {
        let cluster = try ClusterProcess(nodes: 3)
        let ann = try cluster.user("Ann", on: 0)
        let bob = try cluster.user("Bob", on: 1)
        let cy = try cluster.user("Cy", on: 2)
        let dee = try cluster.user("Dee", on: 0)
        try ClusterTests.join("one", [ann, bob, cy])
        try ClusterTests.join("two", [ann, bob])  // Bob shares two rooms with Ann
        try ann.send("nick,Anna\n")
        try ann.expect("ack,Anna")
        try bob.expect("nick,Ann,Anna")
        try cy.expect("nick,Ann,Anna")
        ann.name = "Anna"
        #expect(try ClusterProcess.sync(bob, via: dee) == [], "one notice per recipient")
        #expect(try ClusterProcess.sync(cy, via: dee) == [])
        #expect(try ClusterProcess.sync(dee, via: bob) == [], "no notice to a user in none of the rooms")
        // The old name is free on every node; the new one is taken.
        let newcomer = try cluster.nodes[2].connect()
        try newcomer.send("register,anna\nregister,ann\n")
        try newcomer.expect(lines: ["error,name-taken,anna", "ack,ann"])
        try ann.send("quit,see you\n")
        try ann.expect("bye,quit")
        try bob.expect("quit,Anna,see you")
        try cy.expect("quit,Anna,see you")
        #expect(try ClusterProcess.sync(bob, via: dee) == [])
        try dee.send("chat,Anna,gone?\n")
        try dee.expect("error,no-such-user,Anna")
    }

    /// A user joins a room on its node while another node floods it. The room's messages and
    /// the join's answer come over different connections from Redis, so the node may take
    /// messages said after the join ran before its answer comes: the joiner still sees the
    /// history and the messages after it run on with none missing and none twice.
    @Test func aJoinWhileAnotherNodeFloodsTheRoomMissesNothingAndRepeatsNothing() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--history", "10"])
        let sender = try cluster.user("Sender", on: 0)
        let anchor = try cluster.user("Anchor", on: 1)  // node 1 takes the room's messages before each join
        try ClusterTests.join("busy", [sender, anchor])
        var said = 0
        for round in 0..<6 {
            let joiner = try cluster.user("Joiner\(round)", on: 1)
            let first = said + 1
            said += 2000
            try sender.send((first...said).map { "say,busy,\($0)\n" }.joined())
            try joiner.send("join,busy\n")
            let seen = try joiner.readNumbers(saidBy: "Sender", in: "busy", through: said)
            let gaps = zip(seen, seen.dropFirst()).filter { $1 != $0 + 1 }
            #expect(gaps.isEmpty, "one run with no gap or repeat: \(gaps.prefix(5))")
        }
    }

    /// A sender's messages in two rooms, said alternately in one pass, reach a member of both
    /// on its own node and on another in the order said: each pass's rooms go to Redis in
    /// the order their messages came.
    @Test func aSendersMessagesInTwoRoomsReachAMemberOfBothOnEveryNodeInTheOrderSaid() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let sender = try cluster.user("Sender", on: 0)
        let near = try cluster.user("Near", on: 0), far = try cluster.user("Far", on: 1)
        for room in ["east", "west"] { try ClusterTests.join(room, [sender, near, far]) }
        let count = 400
        try sender.send((1...count).map { "say,\($0 % 2 == 0 ? "east" : "west"),\($0)\n" }.joined())
        for listener in [near, far] {
            let numbers = try listener.readLines(count).map { Int($0.split(separator: ",").last ?? "") ?? 0 }
            #expect(numbers == Array(1...count), "\(listener.name) got them out of order")
        }
    }

    @Test func pipelinedCommandsAreAnsweredInOrderWhileSomeWaitForRedis() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let bob = try cluster.user("Bob", on: 1)
        let ann = try cluster.nodes[0].connect()
        try ann.send("register,Ann\nping,1\njoin,r\nping,2\nsay,r,hi\nwho,r\nchat,Bob,x\nchat,Zed,x\nlist\nrooms\nnick,Ann2\nping,3\n")
        try ann.expect(lines: ["ack,Ann", "pong,1", "joined,r,1", "pong,2", "who,r,Ann", "error,no-such-user,Zed"])
        #expect(CommandsTests.names(in: try ann.readLine(), verb: "list") == ["Ann", "Bob"])
        try ann.expect(lines: ["rooms,r", "ack,Ann2", "pong,3"])
        try bob.expect("chat,Ann,x")
    }

    @Test func twoNodesRegisteringOneNameAtOnceGiveExactlyOneAck() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let first = try (0..<20).map { _ in try cluster.nodes[0].connect() }
        let second = try (0..<20).map { _ in try cluster.nodes[1].connect() }
        for index in 0..<20 {
            try first[index].send("register,racer\(index)\n")
            try second[index].send("register,RACER\(index)\n")
        }
        for index in 0..<20 {
            let replies = [try first[index].readLine(), try second[index].readLine()]
            #expect(replies.filter { $0.hasPrefix("ack,") }.count == 1, "\(replies)")
            #expect(replies.filter { $0.hasPrefix("error,name-taken,") }.count == 1, "\(replies)")
        }
    }

    @Test func aRedisThatWantsAPasswordTakesTheRightOneAndRefusesAWrongOneClearly() throws {
        let redis = try RedisProcess(password: "s3cret")
        let cluster = try ClusterProcess(nodes: 1, redis: redis)
        let ann = try cluster.user("Ann", on: 0)
        // The password from the environment, as the README advises.
        let viaEnvironment = try ServerProcess.start(["--stats-interval", "0"], environment: ["CHAT_REDIS": redis.url])
        try viaEnvironment.waitForEveryLoop("cluster joined")
        let wrong = try ServerProcess.start(["--redis", redis.url(password: "nope"), "--stats-interval", "0",
                                             "--metrics-port", "\(try HTTPResponse.freePort())"])
        let line = try wrong.stderr.waitForLine(timeout: 20) { $0.contains("redis unavailable") }
        #expect(line.contains("AUTH") && (line.contains("WRONGPASS") || line.contains("invalid")), "\(line)")
        #expect(!line.contains("nope"), "the password is not logged")
        let client = try wrong.connect()
        try client.send("register,Zed\nping,1\n")
        try client.expect(lines: ["error,unavailable", "pong,1"])
        let metricsLine = try wrong.stderr.waitForLine(timeout: 20) { $0.contains("metrics listening") }
        let metricsPort = try #require(ServerProcess.port(fromListeningLine: metricsLine))
        #expect(try HTTPResponse.get("/healthz", port: metricsPort).status == 503)
        try ann.send("list\n")
        try ann.expect("list,Ann")
    }

    static func join(_ room: String, _ members: [LineClient]) throws {
        for (index, member) in members.enumerated() {
            try member.send("join,\(room)\n")
            try member.expect("joined,\(room),\(index + 1)")
            for earlier in members[..<index] { try earlier.expect("join,\(room),\(member.name)") }
        }
    }

    /// `history,<room>,<millis>,<from>,<text>` without its time.
    static func withoutTime(_ line: String) -> String {
        var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if fields.count > 2 { fields.remove(at: 2) }
        return fields.joined(separator: ",")
    }
}

/// The cluster's figures in the throughput log and in `/metrics`.
@Suite struct ClusterObservabilityTests {
    @Test func metricsAndTheThroughputLogCountNodesRedisAndMessages() throws {
        let metricsPort = try HTTPResponse.freePort()
        let cluster = try ClusterProcess(nodes: 1)
        let node = try cluster.startNode(extra: ["--metrics-port", "\(metricsPort)", "--stats-interval", "0.5"])
        let ann = try cluster.user("Ann", on: 0)
        let bob = try node.connect()
        try bob.send("register,Bob\njoin,lobby\n")
        try bob.expect(lines: ["ack,Bob", "joined,lobby,1"])
        try ann.send("join,lobby\n")
        try ann.expect("joined,lobby,2")
        try bob.expect("join,lobby,Ann")
        try bob.send("say,lobby,counted\n")
        try ann.expect("say,lobby,Bob,counted")
        // Each loop of each of the two servers is a node of the cluster.
        let nodes = cluster.nodes[0].loops + node.loops
        try node.waitForLog("cluster_nodes=\(nodes) ")
        let stats = try node.stderr.waitForLine(timeout: 20) { $0.contains("msg=stats") && $0.contains("redis_connected=1") }
        for field in ["cluster_published_per_s=", "cluster_received_per_s=", "redis_rtt_p99_ms=", "cluster_catch_ups="] {
            #expect(stats.contains(field), "\(field) in \(stats)")
        }
        let body = try HTTPResponse.get("/metrics", port: metricsPort).body
        #expect(body.split(separator: "\n").contains { $0.split(separator: " ").map(String.init) == ["chat_cluster_nodes", "\(nodes).0"] },
                "\(body)")
        #expect(body.contains("chat_redis_connected 1"))
        let published = body.split(separator: "\n").first { $0.hasPrefix("chat_cluster_published_total ") }
        #expect(published.flatMap { Int($0.split(separator: " ")[1]) } ?? 0 >= 1, "\(published ?? "none")")
        try ObservabilityTests.expectPromtoolAccepts(body)
        #expect(try HTTPResponse.get("/healthz", port: metricsPort).status == 200)
    }
}
