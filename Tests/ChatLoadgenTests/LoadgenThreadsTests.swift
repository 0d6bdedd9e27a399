import ChatTestSupport
import Foundation
import Testing
@testable import ChatLoadgen

/// End to end with `--threads`: the users dealt out over several event loops, each on a
/// thread of its own. Every check holds across the threads (a message a user on one thread
/// sends is checked by its receivers on the others), the counts are the ones a run on one
/// thread gives, and the report says how many threads ran and how much CPU the generator
/// used. In the smoke tests' serialized suite, so that no two runs load the machine at once.
extension LoadgenSmokeTests {
    /// One threaded run: its threads, mode, users spread evenly over its rooms, and rate.
    struct ThreadedRun: CustomTestStringConvertible, Sendable {
        let threads: Int
        let mode: String
        let users: Int
        let rooms: Int
        /// Messages per second per user; 0 sends as fast as the server confirms them.
        let rate: Int
        var extra: [String] = []

        var testDescription: String {
            "--threads \(threads) --mode \(mode) --users \(users) --rooms \(rooms) --rate \(rate) \(extra.joined(separator: " "))"
        }

        var arguments: [String] {
            ["--threads", "\(threads)", "--mode", mode, "--users", "\(users)", "--rooms", "\(rooms)",
             "--rate", "\(rate)", "--duration", "1"] + extra
        }

        /// The members of each room (users are dealt out over the rooms, and these divide evenly).
        var roomSize: Int { users / rooms }
    }

    static let threadedRuns = [
        ThreadedRun(threads: 2, mode: "room", users: 50, rooms: 5, rate: 20),
        ThreadedRun(threads: 3, mode: "room", users: 49, rooms: 7, rate: 20),
        ThreadedRun(threads: 2, mode: "room", users: 50, rooms: 1, rate: 0),
        ThreadedRun(threads: 2, mode: "direct", users: 50, rooms: 5, rate: 20),
        ThreadedRun(threads: 3, mode: "direct", users: 50, rooms: 5, rate: 0),
        ThreadedRun(threads: 2, mode: "mixed", users: 50, rooms: 5, rate: 20),
        ThreadedRun(threads: 3, mode: "mixed", users: 49, rooms: 7, rate: 20, extra: ["--list-friends"]),
    ]

    /// Each `say` reaches every other member of its room and each `chat` its one recipient,
    /// wherever their threads are: the delivered count is what the sent count makes it on
    /// one thread, and at a rate every user on every thread sent its share.
    @Test(arguments: threadedRuns)
    func everyMessageArrivesOnceAcrossThreads(run spec: ThreadedRun) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--stats-interval", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)"] + spec.arguments)
        try Self.expectEverythingDelivered(run, users: spec.users, also: ["connect_failures", "disconnects"])
        #expect(run.report["threads"] as? Int == spec.threads)
        let sent = try #require(run.report["sent"] as? Int)
        let delivered = try #require(run.report["delivered"] as? Int)
        switch spec.mode {
        case "room": #expect(delivered == sent * (spec.roomSize - 1), "sent \(sent)")
        case "direct": #expect(delivered == sent)
        default: #expect(delivered > sent && delivered < sent * (spec.roomSize - 1), "sent \(sent), delivered \(delivered)")
        }
        if spec.rate > 0 {
            // `rate` a second from each user over the one second, however late the last tick ran.
            #expect(sent == spec.users * spec.rate, "sent \(sent)")
        }
        try Self.expectGeneratorCPU(in: run.report)
    }

    /// TLS, WebSocket and WebSocket over TLS on several threads: each thread makes its own
    /// connections, handshakes and upgrades.
    @Test(arguments: ["tls", "ws", "wss"])
    func everyMessageArrivesOverEachTransportAcrossThreads(transport: String) throws {
        let certificate = try TestCertificate()
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--stats-interval", "0"]
                                      + certificate.serverArguments)
        defer { server.kill() }
        let plainPort = try Self.listeningPort(of: server)
        let tlsPort = try Self.tlsPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(transport == "ws" ? plainPort : tlsPort)", "--transport", transport,
                                       "--threads", "2", "--mode", "mixed", "--users", "50", "--duration", "1",
                                       "--rooms", "5", "--rate", "20"])
        #expect(run.report["transport"] as? String == transport)
        #expect(run.report["threads"] as? Int == 2)
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
    }

    /// Targets are dealt out by the user's index over the whole run, as on one thread.
    @Test func eachTargetKeepsItsShareAcrossThreads() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--stats-interval", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--host", "127.0.0.1:\(port),127.0.0.1:\(port)", "--threads", "3",
                                       "--mode", "mixed", "--users", "50", "--duration", "1", "--rooms", "5", "--rate", "20"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
        let listed = try #require(run.report["targets"] as? [[String: Any]], "report: \(run.report)")
        #expect(listed.map { $0["users"] as? Int } == [25, 25])
        #expect(listed.map { $0["connected"] as? Int } == [25, 25])
    }

    /// Stuck readers (the last two users, one on each thread) and churners (every fifth user,
    /// on both threads) do their parts on every thread while the others' deliveries are checked.
    /// Whether the server sheds the stuck readers within the second depends on the kernel's
    /// socket buffers, so that count is only bounded.
    @Test func stuckReadersAndChurnersWorkOnEveryThread() throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--stats-interval", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--threads", "2", "--mode", "mixed", "--users", "50",
                                       "--rooms", "5", "--rate", "20", "--duration", "1", "--churn", "20",
                                       "--stuck-readers", "2"])
        try Self.expectEverythingDelivered(run, also: ["connect_failures", "disconnects"])
        #expect(try #require(run.report["churned"] as? Int) > 0)
        #expect((0...2).contains(try #require(run.report["stuck_dropped"] as? Int)))
    }

    /// `--threads 0` runs one thread per CPU this process may use, and no run has more
    /// threads than users.
    @Test(arguments: [(0, 50), (4, 3)])
    func threadsAreOnePerCPUForZeroAndNeverMoreThanUsers(threads: Int, users: Int) throws {
        let server = try ChildProcess("chat-server", ["--host", "127.0.0.1", "--port", "0", "--stats-interval", "0"])
        defer { server.kill() }
        let port = try Self.listeningPort(of: server)
        let run = try Self.runLoadgen(["--port", "\(port)", "--threads", "\(threads)", "--mode", "room", "--rooms", "1",
                                       "--users", "\(users)", "--rate", "20", "--duration", "1"])
        try Self.expectEverythingDelivered(run, users: users)
        var configuration = LoadConfiguration()
        configuration.users = users
        configuration.threads = threads
        #expect(run.report["threads"] as? Int == configuration.threadCount)
        if threads > users { #expect(run.report["threads"] as? Int == users) }
    }

    /// A bad `--threads` is a usage error (status 64) that says what is wrong; nothing connects.
    @Test(arguments: [
        ("-1", "--threads must be 0 (one per CPU) or more, not -1"),
        ("-8", "--threads must be 0 (one per CPU) or more, not -8"),
        ("two", "The value 'two' is invalid for '--threads <N>'"),
        ("1.5", "The value '1.5' is invalid for '--threads <N>'"),
        ("", "The value '' is invalid for '--threads <N>'"),
    ])
    func aBadThreadCountIsAUsageError(value: String, message: String) throws {
        let loadgen = try ChildProcess("chat-loadgen", ["--threads", value, "--progress-interval", "0"])
        defer { loadgen.kill() }
        #expect(try loadgen.waitForExit(timeout: 30) == .exit(64))
        let stderr = try loadgen.stderr.waitForEnd(timeout: 10)
        #expect(stderr.contains("Error: ") && stderr.contains(message), "stderr:\n\(stderr)")
        #expect(try loadgen.stdout.waitForEnd(timeout: 10).isEmpty)
    }

    /// A server that mishandles what u0 (on thread 0) says to u1 (on thread 1): the receiving
    /// thread's check counts the loss, the repeat or the swap as one thread's does, and the run
    /// fails; the same server without its fault passes.
    @Test(arguments: FaultyChatServer.Fault.ofOneMessage, [1, 2])
    func theDeliveryCheckCatchesAFaultAcrossThreads(fault: FaultyChatServer.Fault, threads: Int) throws {
        let server = try FaultyChatServer(fault: fault, sender: "u0", receiver: "u1")
        defer { server.stop() }
        let run = try Self.runLoadgen(["--port", "\(server.port)", "--threads", "\(threads)", "--mode", "room",
                                       "--rooms", "1", "--users", "4", "--rate", "10", "--duration", "1",
                                       "--drain-idle", "3"])
        let counts = ["lost", "duplicated", "reordered"].map { run.report[$0] as? Int }
        switch fault {
        case .none:
            try Self.expectEverythingDelivered(run, users: 4)
        case .drop:
            #expect(counts == [1, 0, 0], "report: \(run.report)")
        case .duplicate:
            #expect(counts == [0, 1, 0], "report: \(run.report)")
        case .swap:
            #expect(counts == [0, 0, 1], "report: \(run.report)")
        case .withhold:
            Issue.record("not a fault of one message")
        }
        if fault != .none {
            #expect(run.status == .exit(1), "stderr:\n\(run.stderr)")
            #expect(run.report["passed"] as? Bool == false)
        }
        #expect(run.report["threads"] as? Int == threads)
    }

    /// The same faults with `--protocol 2`: the ids tell a lost message (a gap, also counted
    /// lost) and a repeat; the control passes with every id seen once.
    @Test(arguments: [FaultyChatServer.Fault.none, .drop, .duplicate])
    func withProtocol2TheIdsCatchALossAndARepeat(fault: FaultyChatServer.Fault) throws {
        let server = try FaultyChatServer(fault: fault, sender: "u0", receiver: "u1")
        defer { server.stop() }
        let run = try Self.runLoadgen(["--port", "\(server.port)", "--protocol", "2", "--mode", "room",
                                       "--rooms", "1", "--users", "4", "--rate", "10", "--duration", "1",
                                       "--drain-idle", "3"])
        let counts = ["lost", "duplicated", "gaps"].map { run.report[$0] as? Int }
        switch fault {
        case .none: try Self.expectEverythingDelivered(run, users: 4)
        case .drop: #expect(counts == [1, 0, 1], "report: \(run.report)")
        case .duplicate: #expect(counts == [0, 1, 0], "report: \(run.report)")
        default: Issue.record("not tested here")
        }
        #expect(run.report["passed"] as? Bool == (fault == .none), "report: \(run.report)")
    }

    /// The generator's CPU seconds, its wall seconds and their ratio, all there and consistent.
    static func expectGeneratorCPU(in report: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let cpu = try #require((report["generator_cpu_s"] as? NSNumber)?.doubleValue, sourceLocation: sourceLocation)
        let wall = try #require((report["generator_wall_s"] as? NSNumber)?.doubleValue, sourceLocation: sourceLocation)
        let share = try #require((report["generator_cpu_share"] as? NSNumber)?.doubleValue, sourceLocation: sourceLocation)
        #expect(cpu > 0 && wall > 0 && share > 0, "cpu \(cpu) s, wall \(wall) s, share \(share)", sourceLocation: sourceLocation)
        #expect(abs(share - cpu / wall) < 0.02, "cpu \(cpu) s, wall \(wall) s, share \(share)", sourceLocation: sourceLocation)
    }
}

/// How users are dealt out over threads, and how many threads a run gets.
@Suite struct ThreadSplitTests {
    @Test func userIGoesToThreadIModuloTheThreads() {
        let board = ThreadBoard(count: 3, targets: 1, users: 10)
        let links = (0..<3).map { ThreadLink(index: $0, board: board) }
        for user in 0..<10 {
            let owners = links.filter { $0.owns(user) }
            #expect(owners.map(\.index) == [user % 3])
            #expect(owners.first.map { $0.global($0.local(user)) } == user)
        }
    }

    @Test func threadCountIsTheThreadsButNeverMoreThanUsers() {
        var configuration = LoadConfiguration()
        configuration.users = 10
        #expect(configuration.threadCount == 1)
        configuration.threads = 4
        #expect(configuration.threadCount == 4)
        configuration.threads = 11
        #expect(configuration.threadCount == 10)
        configuration.threads = 0
        #expect((1...10).contains(configuration.threadCount))
    }

    /// Roles, friends and rate phases come from the seed alone: a run on any number of
    /// threads has the users a run on one thread has.
    @Test func thePlanDependsOnTheSeedNotTheThreads() {
        var configuration = LoadConfiguration()
        configuration.users = 40
        configuration.mode = .mixed
        configuration.churn = 1
        configuration.stuckReaders = 3
        let one = LoadPlan(configuration: configuration)
        configuration.threads = 3
        let three = LoadPlan(configuration: configuration)
        #expect(one.roles == three.roles)
        #expect(one.friends == three.friends)
        #expect(one.ratePhases == three.ratePhases)
        #expect(one.roles.suffix(3).allSatisfy { $0 == .stuck })
        #expect(one.checkedMembers(configuration: configuration).reduce(0, +) == one.roles.filter { $0 == .checked }.count)
    }
}
