import ChatTestSupport
import Foundation
import Testing

/// chat-loadgen over three nodes of one cluster (a real Redis): every delivery check holds
/// across nodes. Correctness only; the figures are Perf's.
extension LoadgenSmokeTests {
    @Test(arguments: ["room", "direct", "mixed"])
    func everyCheckHoldsOverThreeNodesOfOneCluster(mode: String) throws {
        let redis = try RedisProcess()
        let (nodes, hosts) = try Self.startNodes(3, of: redis)
        defer { for node in nodes { node.kill() } }
        let run = try Self.runLoadgen(["--host", hosts,
                                       "--mode", mode, "--users", "50", "--duration", "2", "--rooms", "4", "--rate", "20"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
        let listed = try #require(run.report["targets"] as? [[String: Any]], "report: \(run.report)")
        #expect(listed.map { $0["connected"] as? Int } == [17, 17, 16])
    }
}

extension LoadgenSmokeTests {
    /// `count` chat-server nodes of one cluster through `redis`, each joined, and their
    /// addresses as `--host` takes them.
    static func startNodes(_ count: Int, of redis: RedisProcess) throws -> (nodes: [ChildProcess], hosts: String) {
        let nodes = try (0..<count).map { _ in
            try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--redis", redis.url, "--stats-interval", "0"])
        }
        var ports: [Int] = []
        do {
            for node in nodes {
                ports.append(try listeningPort(of: node))
                try waitUntilEveryLoopJoined(node)
            }
        } catch {
            for node in nodes { node.kill() }
            throw error
        }
        return (nodes, ports.map { "127.0.0.1:\($0)" }.joined(separator: ","))
    }

    /// Users that drop their connection and come back on the other node of a two-node cluster
    /// resume their room there: every message once, in order, with no gap in the ids.
    @Test func usersThatComeBackOnAnotherNodeResumeWithNothingMissed() throws {
        let redis = try RedisProcess()
        let (nodes, hosts) = try Self.startNodes(2, of: redis)
        defer { for node in nodes { node.kill() } }
        let run = try Self.runLoadgen(["--host", hosts, "--protocol", "2",
                                       "--mode", "room", "--users", "40", "--duration", "2", "--rooms", "4", "--rate", "20",
                                       "--reconnect-every", "0.5"])
        try Self.expectEverythingDelivered(run, users: 40, also: ["connect_failures", "disconnects", "gaps"])
        #expect(try #require(run.report["resumes"] as? Int) > 0, "report: \(run.report)")
    }
}

/// A load run across a Redis frozen for longer than `--redis-timeout`: the nodes survive and
/// answer `unavailable` meanwhile, and what the run lost is at most what was refused or still
/// queued on a node when its connection dropped (a room message Redis accepted reaches every
/// member, through the catch-up from the room's log), with nothing told twice or out of order.
@Suite(.serialized) struct LoadgenRedisOutageTests {
    @Test func aLoadRunAcrossAFrozenRedisLosesOnlyWhatWasRefused() throws {
        let redis = try RedisProcess()
        let nodes = try (0..<2).map { _ in
            try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--redis", redis.url,
                                             "--redis-timeout", "1", "--stats-interval", "0.25"])
        }
        defer { for node in nodes { node.kill() } }
        var ports: [Int] = []
        for node in nodes {
            ports.append(try LoadgenSmokeTests.listeningPort(of: node))
            try LoadgenSmokeTests.waitUntilEveryLoopJoined(node)
        }
        let members = 20
        let loadgen = try ChildProcess("chat-loadgen", [
            "--host", ports.map { "127.0.0.1:\($0)" }.joined(separator: ","), "--mode", "room", "--rooms", "1",
            "--users", "\(members)", "--rate", "20", "--duration", "6", "--json", "--progress-interval", "0.5"])
        defer { loadgen.kill() }
        _ = try loadgen.stderr.waitForLine(timeout: 30) { $0.contains("phase=sending") }
        redis.freeze()
        for node in nodes { _ = try node.stderr.waitForLine(timeout: 20) { $0.contains("redis unavailable") } }
        redis.thaw()
        for node in nodes { _ = try node.stderr.waitForLine(timeout: 20) { $0.contains("redis available again") } }
        _ = try loadgen.waitForExit(timeout: 60)
        let report = try LoadgenSmokeTests.report(try loadgen.stdout.waitForEnd(timeout: 10))
        for node in nodes { #expect(node.process.isRunning, "a node survived") }
        #expect(report["duplicated"] as? Int == 0)
        #expect(report["reordered"] as? Int == 0)
        let refused = (report["errors"] as? [String: Int])?["unavailable"] ?? 0
        #expect(refused > 0, "some says were refused while Redis was frozen: \(report)")
        // What the nodes had queued for Redis when their connections dropped, from their logs.
        let dropped = nodes.map { node in
            node.stderr.lines.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("cluster_lost=") }.flatMap { Int($0.dropFirst(13)) }
            }.reduce(0, +)
        }.reduce(0, +)
        let lost = try #require(report["lost"] as? Int)
        #expect(lost <= (refused + dropped) * (members - 1), "lost \(lost), refused \(refused), dropped \(dropped)")
        #expect((report["delivered"] as? Int ?? 0) > 0)
    }
}

/// `--loops 4`: ten thousand users over one server's four loops, nothing lost, duplicated
/// or reordered.
@Suite(.serialized) struct LoadgenLoopsTests {
    @Test func tenThousandUsersOverFourLoops() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--loops", "4",
                                                      "--max-connections", "20000", "--stats-interval", "0"])
        defer { server.kill() }
        let port = try LoadgenSmokeTests.listeningPort(of: server)
        let run = try LoadgenSmokeTests.runLoadgen(["--host", "127.0.0.1:\(port)", "--mode", "mixed", "--users", "10000",
                                                    "--rooms", "100", "--rate", "0.1", "--duration", "3", "--ramp-up", "2",
                                                    "--setup-timeout", "300"])
        #expect(run.status == .exit(0), "stderr:\n\(run.stderr)")
        for key in ["lost", "duplicated", "reordered"] { #expect(run.report[key] as? Int == 0, "\(key)") }
        #expect(run.report["registered"] as? Int == 10000)
        #expect((run.report["delivered"] as? Int ?? 0) > 0)
    }
}
