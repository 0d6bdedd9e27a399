import LibeventKit
import Testing
@testable import ChatLoadgen

/// What each target is resolved to before the run: its own SNI and Host header, and the
/// 127.0.0.x source addresses, shared by loopback targets and sized for the whole run.
@Suite struct TargetEndpointTests {
    private func endpoints(_ targets: [LoadTarget], users: Int = 10, sourceAddresses: Int = 0) throws -> [TargetEndpoint] {
        var configuration = LoadConfiguration()
        configuration.targets = targets
        configuration.users = users
        configuration.sourceAddresses = sourceAddresses
        return try TargetEndpoint.resolve(configuration)
    }

    @Test func eachTargetIsNamedToItsOwnServer() throws {
        let resolved = try endpoints([
            LoadTarget(host: "localhost", port: 5000), LoadTarget(host: "127.0.0.1", port: 5001), LoadTarget(host: "::1", port: 5002),
        ])
        #expect(resolved.map(\.serverName) == ["localhost", nil, nil])
        #expect(resolved.map(\.hostHeader) == ["localhost:5000", "127.0.0.1:5001", "[::1]:5002"])
        #expect(resolved.map(\.address.port) == [5000, 5001, 5002])
        #expect(resolved[1].name == "127.0.0.1:5001")
        #expect(resolved[2].name == "[::1]:5002")
    }

    @Test func aNameIsReportedWithWhatItResolvedTo() throws {
        let resolved = try endpoints([LoadTarget(host: "localhost", port: 5000)])
        #expect(resolved[0].name == "localhost:5000 (\(resolved[0].address))")
    }

    /// (A port out of range fails before any name lookup, so the test needs no resolver.)
    @Test func aTargetThatCannotBeResolvedIsNamed() {
        #expect(throws: LibeventError.badAddress(host: "127.0.0.9", port: 70_000)) {
            try endpoints([LoadTarget(host: "127.0.0.1", port: 2), LoadTarget(host: "127.0.0.9", port: 70_000)])
        }
    }

    @Test func onlyIPv4LoopbackTargetsConnectFromChosenSources() throws {
        let resolved = try endpoints([
            LoadTarget(host: "127.0.0.1", port: 1), LoadTarget(host: "192.0.2.1", port: 1), LoadTarget(host: "::1", port: 1),
        ])
        #expect(resolved.map(\.sources.count) == [1, 0, 0])
        #expect(resolved[1].source(forPosition: 3) == nil)
    }

    /// One address per 5,000 users of the whole run, not of each target: two targets may be one
    /// server, and each source address must still carry no more than about 5,000 connections.
    @Test func sourcesAreSizedForTheWholeRunAndShared() throws {
        let resolved = try endpoints([LoadTarget(host: "127.0.0.1", port: 1), LoadTarget(host: "127.0.0.1", port: 1)], users: 20_000)
        #expect(resolved[0].sources.map(\.host) == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"])
        #expect(resolved[1].sources.map(\.host) == resolved[0].sources.map(\.host))
        #expect(try endpoints([LoadTarget(host: "127.0.0.1", port: 1)], sourceAddresses: 7)[0].sources.count == 7)
    }

    /// User N goes to target N mod count and, among that target's users, takes the sources in
    /// turn: every target uses every source, and each source carries an equal part of the run.
    @Test func everyTargetsUsersSpreadOverEverySource() throws {
        let resolved = try endpoints([LoadTarget(host: "127.0.0.1", port: 1), LoadTarget(host: "127.0.0.1", port: 2)],
                                     users: 40, sourceAddresses: 2)
        var perPair: [String: Int] = [:]
        for user in 0..<40 {
            let target = LoadTarget.index(ofUser: user, targets: 2)
            let source = try #require(resolved[target].source(forPosition: LoadTarget.position(ofUser: user, targets: 2)))
            perPair["\(target) \(source.host)", default: 0] += 1
        }
        #expect(perPair == ["0 127.0.0.1": 10, "0 127.0.0.2": 10, "1 127.0.0.1": 10, "1 127.0.0.2": 10])
    }
}
