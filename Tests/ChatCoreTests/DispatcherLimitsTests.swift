import Testing
@testable import ChatCore

/// `--rate-limit`/`--rate-burst`, `--max-rooms-per-user` and `--max-rooms` in the dispatcher.
@Suite struct DispatcherLimitsTests {
    /// A dispatcher whose monotonic clock stands still until `advance` moves it.
    private final class Fixture {
        var now = 1000.0
        let registry = Registry(historyLimit: 10)
        lazy var dispatcher: Dispatcher = {
            let dispatcher = Dispatcher(registry: registry, maxLine: 64, limits: limits, monotonicClock: { [unowned self] in self.now })
            if LaterWorld.isChosen, let local = dispatcher.world as? LocalWorld { dispatcher.world = LaterWorld(inner: local) }
            return dispatcher
        }()
        let limits: ChatLimits
        init(_ limits: ChatLimits) { self.limits = limits }
        func client() -> Client { Client(dispatcher: dispatcher) }
    }

    private static func rateLimited(_ rate: Double, burst: Int) -> ChatLimits {
        var limits = ChatLimits()
        limits.rateLimit = rate
        limits.rateBurst = burst
        return limits
    }

    @Test func theBucketStartsFullThenRefusesEachLineItCannotPayFor() {
        let fixture = Fixture(Self.rateLimited(1, burst: 3))
        let client = fixture.client()
        for token in 1...3 { #expect(client.reply(to: "ping,\(token)") == ["pong,\(token)"]) }
        #expect(client.reply(to: "ping,4") == ["error,rate-limited"])
        #expect(client.reply(to: "ping,5") == ["error,rate-limited"], "each dropped line gets its own error")
        fixture.now += 1
        #expect(client.reply(to: "ping,6") == ["pong,6"], "one token a second comes back")
        #expect(client.reply(to: "ping,7") == ["error,rate-limited"])
    }

    @Test func blankLinesTakeNoTokenAndEveryOtherLineDoes() {
        let fixture = Fixture(Self.rateLimited(1, burst: 2))
        let client = fixture.client()
        for _ in 0..<10 { client.send("  \t ") }
        #expect(client.reply(to: "bogus") == ["error,unknown-command,bogus"], "an error still takes a token")
        #expect(client.reply(to: "ping") == ["pong"])
        #expect(client.reply(to: "ping") == ["error,rate-limited"])
    }

    @Test func earlierErrorsWinOverRateLimited() {
        let fixture = Fixture(Self.rateLimited(0.001, burst: 1))
        let client = fixture.client()
        #expect(client.reply(to: "ping") == ["pong"])
        #expect(client.reply(to: "bogus") == ["error,unknown-command,bogus"])
        #expect(client.reply(to: "list") == ["error,not-registered"])
        client.send(bytes: [0xFF])
        #expect(client.take() == ["error,bad-utf8"])
        #expect(client.reply(to: "help,x") == ["error,bad-args,help"])
        #expect(client.reply(to: "register,bad name!") == ["error,rate-limited"], "rate-limited comes before bad-name")
    }

    @Test func theLimitIsPerConnection() {
        let fixture = Fixture(Self.rateLimited(1, burst: 1))
        let first = fixture.client(), second = fixture.client()
        #expect(first.reply(to: "ping") == ["pong"])
        #expect(first.reply(to: "ping") == ["error,rate-limited"])
        #expect(second.reply(to: "ping") == ["pong"])
    }

    @Test func aUserCanBeInAtMostMaxRoomsPerUser() {
        var limits = ChatLimits()
        limits.maxRoomsPerUser = 2
        let fixture = Fixture(limits)
        let client = fixture.client()
        client.send("register,Ann")
        _ = client.take()
        #expect(client.reply(to: "join,a") == ["joined,a,1"])
        #expect(client.reply(to: "join,b") == ["joined,b,1"])
        #expect(client.reply(to: "join,c") == ["error,too-many-rooms,c"])
        #expect(client.reply(to: "join,a") == ["error,already-in-room,a"], "already-in-room comes first")
        #expect(client.reply(to: "leave,a") == ["left,a"])
        #expect(client.reply(to: "join,c") == ["joined,c,1"])
    }

    @Test func theServerHoldsAtMostMaxRooms() {
        var limits = ChatLimits()
        limits.maxRooms = 1
        let fixture = Fixture(limits)
        let ann = fixture.client(), bob = fixture.client()
        ann.send("register,Ann")
        bob.send("register,Bob")
        _ = (ann.take(), bob.take())
        #expect(ann.reply(to: "join,a") == ["joined,a,1"])
        #expect(bob.reply(to: "join,b") == ["error,rooms-full,b"])
        #expect(bob.reply(to: "join,A") == ["joined,a,2"], "joining an existing room is still allowed")
        _ = ann.take()
        #expect(ann.reply(to: "leave,a") == ["left,a"])
        _ = bob.take()
        #expect(bob.reply(to: "leave,a") == ["left,a"])
        #expect(bob.reply(to: "join,b") == ["joined,b,1"], "a removed room frees its place")
    }
}
