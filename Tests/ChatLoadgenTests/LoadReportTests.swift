import Foundation
import Testing
@testable import ChatLoadgen

@Suite struct LoadReportTests {
    /// A report of a clean run of `users` users: every message sent to one other user arrived once.
    private func report(users: Int = 4, messages: UInt64 = 100, latencies: [UInt64] = []) -> LoadReport {
        var configuration = LoadConfiguration()
        configuration.users = users
        let statistics = LoadStatistics()
        statistics.connected = users
        statistics.registered = users
        statistics.ready = users
        statistics.sent = messages
        statistics.expected = messages
        statistics.delivered = messages
        latencies.forEach(statistics.recordLatency)
        statistics.mergeRecentLatency()
        return LoadReport(configuration: configuration, statistics: statistics)
    }

    private func parse(_ report: LoadReport) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
        return try #require(object as? [String: Any])
    }

    @Test func takesItsFiguresFromTheStatistics() {
        let report = report(users: 7, messages: 30)
        #expect(report.users == 7)
        #expect(report.connected == 7)
        #expect(report.registered == 7)
        #expect(report.sent == 30)
        #expect(report.expected == 30)
        #expect(report.delivered == 30)
        #expect(report.lost == 0)
        #expect(report.passed)
    }

    @Test func lostIsExpectedMinusUniqueDeliveries() {
        var report = report(messages: 10)
        report.delivered = 9
        report.duplicated = 1
        #expect(report.lost == 2)
        report.delivered = 12
        report.duplicated = 2
        #expect(report.lost == 0)
        report.duplicated = 20
        #expect(report.lost == 10)
    }

    @Test func lostIsNeverNegative() {
        var report = report(messages: 10)
        report.delivered = 15
        #expect(report.lost == 0)
    }

    enum Failure: CaseIterable {
        case aborted, notConnected, notRegistered, disconnected, lost, duplicated, reordered, error
    }

    @Test(arguments: Failure.allCases)
    func failsForEachCause(failure: Failure) {
        var report = report()
        #expect(report.passed)
        switch failure {
        case .aborted: report.abortReason = "interrupted"
        case .notConnected: report.connected -= 1
        case .notRegistered: report.registered -= 1
        case .disconnected: report.disconnects = 1
        case .lost: report.delivered -= 1
        case .duplicated: report.duplicated = 1; report.delivered += 1
        case .reordered: report.reordered = 1
        case .error: report.errors = ["no-such-user": 1]
        }
        #expect(!report.passed)
        #expect(report.table().hasSuffix("FAIL"))
        #expect(report.json().hasSuffix("\"passed\":false}"))
    }

    @Test func jsonIsValidAndHasEveryDocumentedKey() throws {
        var report = report(latencies: Array(100...1000))
        report.errors = ["no-such-user": 2, "bye,shutdown": 1]
        report.sendSeconds = 8
        let json = try parse(report)
        let keys = [
            "transport", "targets", "users", "connected", "registered", "sent", "expected", "delivered", "lost", "duplicated", "reordered",
            "errors", "sent_per_s", "delivered_per_s", "latency_p50_us", "latency_p90_us", "latency_p99_us",
            "latency_p999_us", "latency_max_us", "threads", "generator_cpu_s", "generator_wall_s", "generator_cpu_share", "passed",
        ]
        for key in keys { #expect(json[key] != nil, "missing \(key)") }
        #expect(json["users"] as? Int == 4)
        #expect(json["sent"] as? Int == 100)
        #expect(json["sent_per_s"] as? Double == 12.5)
        #expect(json["errors"] as? [String: Int] == ["no-such-user": 2, "bye,shutdown": 1])
        #expect(json["passed"] as? Bool == false)
        let percentiles = ["latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us"]
            .compactMap { json[$0] as? Int }
        #expect(percentiles == percentiles.sorted())
        #expect(percentiles.first.map { (545...555).contains($0) } == true)
        #expect(percentiles.last == 1000)
    }

    /// The threads the users ran on, and the generator's own CPU: user plus system seconds,
    /// and their share of the run's wall time, in the JSON and the table.
    @Test func givesTheThreadsAndTheGeneratorsCPU() throws {
        var report = report()
        #expect(report.threads == 1)
        report.threads = 3
        report.cpuSeconds = 1.5
        report.wallSeconds = 2.5
        #expect(report.cpuShare == 0.6)
        let json = try parse(report)
        #expect(json["threads"] as? Int == 3)
        #expect(json["generator_cpu_s"] as? Double == 1.5)
        #expect(json["generator_wall_s"] as? Double == 2.5)
        #expect(json["generator_cpu_share"] as? Double == 0.6)
        let lines = report.table().split(separator: "\n")
        #expect(lines.contains("threads               3"))
        #expect(lines.contains("generator_cpu_s       1.5"))
        #expect(lines.contains("generator_cpu_share   0.6"))
    }

    /// Two decimals for the share, and none without a wall time (nothing divided by zero).
    @Test func theCPUShareIsRoundedAndNeverDividesByZero() throws {
        var report = report()
        #expect(report.cpuShare == 0)
        #expect(try parse(report)["generator_cpu_share"] as? Int == 0)
        report.cpuSeconds = 2
        report.wallSeconds = 3
        #expect(try parse(report)["generator_cpu_share"] as? Double == 0.67)
        #expect(report.table().split(separator: "\n").contains("generator_cpu_share   0.67"))
    }

    @Test func namesTheTransport() throws {
        #expect(try parse(report())["transport"] as? String == "tcp")
        #expect(report().table().hasPrefix("transport             tcp\n"))
        for transport in LoadTransport.allCases {
            var configuration = LoadConfiguration()
            configuration.transport = transport
            let report = LoadReport(configuration: configuration, statistics: LoadStatistics())
            #expect(try parse(report)["transport"] as? String == transport.rawValue)
            #expect(report.table().split(separator: "\n").first == "transport             \(transport.rawValue)")
        }
    }

    /// Each target with its users (dealt out in turn) and those connected, in `--host` order.
    @Test func listsEachTargetWithItsUsers() throws {
        var configuration = LoadConfiguration()
        configuration.users = 5
        configuration.targets = [LoadTarget(host: "node1", port: 7420), LoadTarget(host: "::1", port: 5000)]
        let statistics = LoadStatistics()
        statistics.connectedByTarget = [3, 1]
        let report = LoadReport(configuration: configuration, statistics: statistics)
        #expect(report.targets == [TargetShare(target: configuration.targets[0], users: 3, connected: 3),
                                   TargetShare(target: configuration.targets[1], users: 2, connected: 1)])
        let targets = try #require(try parse(report)["targets"] as? [[String: Any]])
        #expect(targets.map { $0["target"] as? String } == ["node1:7420", "[::1]:5000"])
        #expect(targets.map { $0["users"] as? Int } == [3, 2])
        #expect(targets.map { $0["connected"] as? Int } == [3, 1])
        #expect(report.table().split(separator: "\n")[1] == "targets               node1:7420=3 [::1]:5000=2")
    }

    @Test func aDefaultRunHasOneTarget() throws {
        let targets = try #require(try parse(report())["targets"] as? [[String: Any]])
        #expect(targets.count == 1)
        #expect(targets.first?["target"] as? String == "127.0.0.1:7420")
        #expect(targets.first?["users"] as? Int == 4)
    }

    @Test func jsonOfACleanRunHasNoErrorsAndPasses() throws {
        let json = try parse(report())
        #expect(json["errors"] as? [String: Int] == [:])
        #expect(json["lost"] as? Int == 0)
        #expect(json["latency_max_us"] as? Int == 0)
        #expect(json["stopped"] == nil)
        #expect(json["passed"] as? Bool == true)
    }

    @Test func jsonStaysValidWithAQuotedAbortReason() throws {
        var report = report()
        report.abortReason = "cannot connect to \"127.0.0.1:1\" \\ \n\u{1}"
        let json = try parse(report)
        #expect(json["stopped"] as? String == "cannot connect to \"127.0.0.1:1\" \\ \n\u{1}")
        #expect(json["passed"] as? Bool == false)
    }
}
