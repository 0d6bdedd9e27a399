import ChatTestSupport
import Foundation
import Testing

/// With `--redis` Redis is the cluster's store: a room's record (its log, last id and epoch)
/// outlives its last member, on every node; with `--store memory` it goes with it.
@Suite struct ClusterRecordTests {
    typealias Message = Version2Tests.Message

    static func version2(_ client: LineClient) throws {
        try client.send("hello,2\n")
        try client.expect("hello,2")
    }

    @Test func aRoomsRecordOutlivesItsLastMemberOnEveryNode() throws {
        let cluster = try ClusterProcess(nodes: 2)
        let ann = try cluster.user("Ann", on: 0)
        try Self.version2(ann)
        let joined = try StoreTests.join("Lobby", ann)
        // The echoes first: a node does not echo a say followed at once by leave (docs/protocol.md).
        try ann.send("say,Lobby,one\nsay,Lobby,two\nsay,Lobby,three\n")
        #expect(try ann.readLines(3).compactMap(Message.init).map(\.id) == [1, 2, 3])
        try ann.send("leave,Lobby\n")
        try ann.expect("left,Lobby")

        let bob = try cluster.user("Bob", on: 1)
        try bob.send("rooms\nwho,lobby\n")
        try bob.expect(lines: ["rooms", "who,Lobby"])
        try Self.version2(bob)
        try bob.send("history,lobby,before,3,5\nhistory,lobby,after,1,1\n")
        let pages = try bob.readLines(5)
        #expect(pages.compactMap(Message.init).map(\.text) == ["one", "two", "two"])
        #expect(pages[2] == "replayed,Lobby,2,ok" && pages[4] == "replayed,Lobby,1,ok", "\(pages)")
        let again = try StoreTests.join("lobby", bob)
        #expect(again.epoch == joined.epoch && again.lastID == 3, "the same record, on the other node")
        #expect(again.replay.map(\.text) == ["one", "two", "three"] && again.end == "replayed,Lobby,3,ok")
        try bob.send("say,Lobby,four\n")
        #expect(Message(try bob.readLine())?.id == 4, "ids go on")
    }

    @Test func withStoreMemoryARoomsRecordGoesWithItsLastMember() throws {
        let cluster = try ClusterProcess(nodes: 2, arguments: ["--store", "memory"])
        let ann = try cluster.user("Ann", on: 0)
        try ann.send("join,Lobby\nsay,Lobby,gone soon\nleave,Lobby\n")
        try ann.expect("joined,Lobby,1")
        try ann.expect("left,Lobby")
        let bob = try cluster.user("Bob", on: 1)
        try bob.send("who,lobby\njoin,lobby\n")
        try bob.expect(lines: ["error,no-such-room,lobby", "joined,lobby,1"])
        #expect(try bob.sync() == [], "a new room, without the old one's history")
    }

    /// Redis restarted empty lost every room's record: a room's next record has a new epoch,
    /// and a client resuming with the old one is told `gap` (with what the new record holds).
    @Test func redisStartedEmptyGivesNewEpochsAndResumesAGap() throws {
        let cluster = try ClusterProcess(nodes: 1, arguments: ["--redis-timeout", "1"])
        let ann = try cluster.user("Ann", on: 0)
        try Self.version2(ann)
        let before = try StoreTests.join("lobby", ann)
        try ann.send("say,lobby,before\n")
        #expect(Message(try ann.readLine())?.id == 1)
        try ann.send("leave,lobby\n")
        try ann.expect("left,lobby")
        try cluster.redis.kill()
        try cluster.nodes[0].waitForEveryLoopToLoseRedis()
        try cluster.redis.start()
        try cluster.nodes[0].waitForEveryLoop("redis available again")
        let resumed = try StoreTests.join("lobby", ann, resume: ",\(before.epoch),1")
        #expect(resumed.epoch != before.epoch && resumed.lastID == 0)
        #expect(resumed.replay.isEmpty && resumed.end == "replayed,lobby,0,gap")
    }
}
