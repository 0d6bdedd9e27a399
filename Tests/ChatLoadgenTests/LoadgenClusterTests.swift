import ChatTestSupport
import Foundation
import Testing

/// chat-loadgen over three nodes of one cluster (a real Redis): every delivery check holds
/// across nodes. Correctness only; the figures are Perf's.
extension LoadgenSmokeTests {
    @Test(arguments: ["room", "direct", "mixed"])
    func everyCheckHoldsOverThreeNodesOfOneCluster(mode: String) throws {
        let redis = try RedisProcess()
        let nodes = try (0..<3).map { _ in
            try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--redis", redis.url, "--stats-interval", "0"])
        }
        defer { for node in nodes { node.kill() } }
        var ports: [Int] = []
        for node in nodes {
            ports.append(try Self.listeningPort(of: node))
            _ = try node.stderr.waitForLine(timeout: 20) { $0.contains("cluster joined") }
        }
        let run = try Self.runLoadgen(["--host", ports.map { "127.0.0.1:\($0)" }.joined(separator: ","),
                                       "--mode", mode, "--users", "50", "--duration", "2", "--rooms", "4", "--rate", "20"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
        let listed = try #require(run.report["targets"] as? [[String: Any]], "report: \(run.report)")
        #expect(listed.map { $0["connected"] as? Int } == [17, 17, 16])
    }
}
