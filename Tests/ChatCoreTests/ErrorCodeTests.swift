import Testing
@testable import ChatCore

@Suite struct ErrorCodeTests {
    @Test func theCodesAreSpelledAsInTheSpecAndListedInPrecedenceOrder() {
        #expect(ErrorCode.allCases.map(\.rawValue) == [
            "line-too-long", "bad-utf8", "unknown-command", "not-registered", "bad-args", "rate-limited",
            "already-registered", "bad-name", "name-taken", "no-such-user", "no-such-room", "not-in-room",
            "already-in-room",
            // This server's room limits, after protocol v1's codes.
            "too-many-rooms", "rooms-full",
            // A cluster node's, when it cannot reach the cluster.
            "unavailable",
        ])
    }
}
