import Testing
@testable import ChatLoadgen

@Suite struct ServerLineTests {
    private func kind(_ line: String) -> ServerLine.Kind? {
        withBytes(line) { ServerLine.parse($0)?.0 }
    }

    private func rest(_ line: String) -> String? {
        withBytes(line) { bytes in ServerLine.parse(bytes).map { String(decoding: $0.1, as: UTF8.self) } }
    }

    private func message(_ line: String, users: Int = 100) -> (Int, MessageStamp)? {
        withBytes(line) { bytes in
            guard let (kind, rest) = ServerLine.parse(bytes) else { return nil }
            return ServerLine.message(rest, kind: kind, users: users)
        }
    }

    @Test(arguments: [
        ("chat,u1,1 2", ServerLine.Kind.chat), ("say,r0,u1,1 2", .say), ("pong", .pong), ("pong,64", .pong),
        ("ack,u3", .ack), ("list,u0,u1,u2", .list), ("joined,r2,10", .joined), ("error,bad-args,say", .error),
        ("bye,shutdown", .bye),
    ])
    func classifiesTheLinesItCounts(line: String, expected: ServerLine.Kind) {
        #expect(kind(line) == expected)
    }

    @Test(arguments: [
        "join,r1,u4", "leave,r1,u4", "left,r1", "quit,u4,", "quit,u4,bye now", "history,r1,1700000000000,u4,1 2",
        "nick,u4,u5", "who,r1,u4", "rooms,r1", "help,register list chat",
    ])
    func classifiesEverythingElseAsNotice(line: String) {
        #expect(kind(line) == .notice)
    }

    @Test func restIsEverythingAfterTheFirstComma() {
        #expect(rest("pong,64") == "64")
        #expect(rest("pong") == "")
        #expect(rest("chat,u1,a,b") == "u1,a,b")
    }

    @Test func emptyLineIsNotParsed() {
        #expect(kind("") == nil)
    }

    @Test func parsesChatSenderAndStamp() throws {
        let (sender, stamp) = try #require(message("chat,u12,5 1000"))
        #expect(sender == 12)
        #expect(stamp == MessageStamp(sequence: 5, sentMicros: 1000))
    }

    @Test func parsesSaySenderAndStamp() throws {
        let (sender, stamp) = try #require(message("say,r3,u7,9 2000"))
        #expect(sender == 7)
        #expect(stamp == MessageStamp(sequence: 9, sentMicros: 2000))
    }

    @Test(arguments: [
        "chat,bob,5 1", "chat,u,5 1", "chat,U1,5 1", "chat,u1x,5 1", "chat,u-1,5 1", "chat,u12",
        "chat,u12,hi", "chat,u12,", "chat,u12,5", "chat,u12,5 1 extra", "say,r3", "say,r3,u7", "say,r3,bob,1 2",
        "say,r3,u7,hello, all",
    ])
    func rejectsLinesWithoutLoadgenSenderAndStamp(line: String) {
        #expect(message(line) == nil)
    }

    /// A real user named like a simulated one (any client may register `u9223372036854775808`
    /// or `u100`) chatting to a load generator's user is not taken for one of its senders.
    @Test func senderIndexOutsideTheRunIsRejected() {
        #expect(message("chat,u9223372036854775808,1 2") == nil)
        #expect(message("chat,u100,1 2", users: 100) == nil)
        #expect(message("say,r1,u4000000000000,1 2", users: 100) == nil)
        #expect(message("chat,u99,1 2", users: 100)?.0 == 99)
    }

    @Test func extractsTheErrorCode() {
        #expect(withBytes("no-such-user,u9") { ServerLine.errorCode($0) } == "no-such-user")
        #expect(withBytes("not-registered") { ServerLine.errorCode($0) } == "not-registered")
        let code = withBytes("error,no-such-user,u9") { bytes in ServerLine.parse(bytes).map { ServerLine.errorCode($0.1) } }
        #expect(code == "no-such-user")
    }
}
