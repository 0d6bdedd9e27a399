import ChatTestSupport
import Foundation
import Testing

/// End to end: chat-loadgen drives a real chat-server. Asserts correctness only, never speed.
@Suite(.serialized) struct LoadgenSmokeTests {
    /// Generous: a run takes about a second of sending plus setup and drain.
    static let timeout: TimeInterval = 120

    @Test(arguments: [
        ["--mode", "direct"], ["--mode", "room"], ["--mode", "mixed"],
        ["--mode", "mixed", "--rate", "20", "--list-friends"],
    ])
    func everyMessageArrivesOnceAndInOrder(options: [String]) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--users", "50", "--duration", "1", "--rooms", "5", "--json", "--progress-interval", "0",
        ] + options)
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(status == .exit(0), "stderr:\n\(loadgen.stderr.text)")
        for key in ["lost", "duplicated", "reordered"] { #expect(report[key] as? Int == 0, "\(key)") }
        #expect(report["connected"] as? Int == 50)
        #expect(report["registered"] as? Int == 50)
        #expect(report["errors"] as? [String: Int] == [:])
        let expected = try #require(report["expected"] as? Int)
        #expect(expected > 0)
        #expect(report["delivered"] as? Int == expected)
        #expect(report["passed"] as? Bool == true)
    }

    @Test func failsWhenNothingListens() throws {
        let port = try freeLocalPort()
        let loadgen = try ChildProcess("chat-loadgen", [
            "--port", "\(port)", "--users", "10", "--duration", "1", "--json", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: Self.timeout)
        #expect(status == .exit(1))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("cannot connect"), "stderr:\n\(stderr)")
        let report = try Self.report(try loadgen.stdout.waitForEnd(timeout: 10))
        #expect(report["connected"] as? Int == 0)
        #expect(report["passed"] as? Bool == false)
    }

    /// Linux refuses a TCP connect to a multicast address at once (ENETUNREACH), so every
    /// connection fails inside the first tick, before the event loop runs.
    @Test func failsWhenEveryConnectFailsAtOnce() throws {
        let loadgen = try ChildProcess("chat-loadgen", [
            "--host", "224.0.0.1", "--port", "7420", "--users", "3", "--duration", "1", "--progress-interval", "0",
        ])
        defer { loadgen.kill() }
        let status = try loadgen.waitForExit(timeout: 30)
        #expect(status == .exit(1))
        #expect(loadgen.stderr.text.contains("cannot connect"))
    }

    /// Waits for the server's `listening` line and takes the port from `address=host:port`.
    static func listeningPort(of server: ChildProcess) throws -> Int {
        let line = try server.stderr.waitForLine(timeout: 30) { $0.contains("msg=listening") }
        guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
              let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestFailure("no port in the listening line: \(line)")
        }
        return port
    }

    /// The JSON object on the last line of the load generator's output.
    static func report(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last, "no output")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(line)")
    }
}
