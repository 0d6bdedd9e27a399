import ChatTestSupport
import Foundation
import Testing

/// End to end with several `--host` targets. Two independent servers share no chat, so the
/// clean run lists one server twice: two targets, one chat. In the smoke tests' serialized
/// suite, so that no two runs load the machine at once.
extension LoadgenSmokeTests {
    /// How the two targets are given: one comma list, or `--host` twice with `--port` for the
    /// target that names none.
    enum TwoTargets: CaseIterable {
        case commaList, repeated

        func arguments(port: Int) -> [String] {
            switch self {
            case .commaList: ["--host", "127.0.0.1:\(port),127.0.0.1:\(port)"]
            case .repeated: ["--host", "127.0.0.1:\(port)", "--host", "127.0.0.1", "--port", "\(port)"]
            }
        }
    }

    /// Room messages cross the targets, direct messages go to users on the other: every check
    /// holds, and each target took half the users.
    @Test(arguments: TwoTargets.allCases)
    func usersSplitEvenlyOverTwoTargetsOfOneChat(targets: TwoTargets) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(targets.arguments(port: port)
            + ["--mode", "mixed", "--users", "50", "--duration", "1", "--rooms", "5"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
        let listed = try #require(run.report["targets"] as? [[String: Any]], "report: \(run.report)")
        #expect(listed.map { $0["target"] as? String } == ["127.0.0.1:\(port)", "127.0.0.1:\(port)"])
        #expect(listed.map { $0["users"] as? Int } == [25, 25])
        #expect(listed.map { $0["connected"] as? Int } == [25, 25])
    }

    /// A node nobody listens on stops the run at once (no waiting out the setup timeout),
    /// and the message names it.
    @Test func aTargetNobodyListensOnFailsTheRunNamingIt() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let dead = try freeLocalPort()
        let run = try Self.runLoadgen(["--host", "127.0.0.1:\(port),127.0.0.1:\(dead)", "--users", "10", "--duration", "1"])
        #expect(run.status == .exit(1))
        #expect(run.stderr.contains("cannot connect to 127.0.0.1:\(dead)"), "stderr:\n\(run.stderr)")
        #expect(run.report["stopped"] as? String == "cannot connect to 127.0.0.1:\(dead): Connection refused")
        let listed = try #require(run.report["targets"] as? [[String: Any]])
        #expect(listed.map { $0["users"] as? Int } == [5, 5])
        #expect(listed.last?["connected"] as? Int == 0)
        #expect(run.report["passed"] as? Bool == false)
    }

    /// A bad `--host` is a usage error (status 64) that quotes the bad target; nothing connects.
    @Test(arguments: [
        (["--host", "127.0.0.1,,127.0.0.1"], "empty target in \"127.0.0.1,,127.0.0.1\""),
        (["--host", "127.0.0.1:0"], "target \"127.0.0.1:0\" has a bad port"),
        (["--host", "127.0.0.1", "--host", "h:99999"], "target \"h:99999\" has a bad port"),
        (["--host", ":7420"], "target \":7420\" has no host"),
        (["--host", "[::1:7420"], "write an IPv6 address as [ADDRESS] or [ADDRESS]:PORT"),
        (["--host", "a,b,c", "--users", "2"], "--users (2) must be at least the number of targets (3)"),
    ])
    func aBadHostIsAUsageErrorNamingIt(arguments: [String], message: String) throws {
        let loadgen = try ChildProcess("chat-loadgen", arguments + ["--progress-interval", "0"])
        defer { loadgen.kill() }
        #expect(try loadgen.waitForExit(timeout: 30) == .exit(64))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("Error: ") && stderr.contains(message), "stderr:\n\(stderr)")
    }
}
