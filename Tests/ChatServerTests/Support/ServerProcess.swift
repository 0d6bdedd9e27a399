import ChatTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `chat-server` child process: launched with `--host 127.0.0.1 --port 0`,
/// its stdout and stderr collected, killed when the object goes away.
final class ServerProcess {
    /// The path of the binary under test.
    static let binaryPath: String = {
        if let path = ProcessInfo.processInfo.environment["CHAT_SERVER_BINARY"], !path.isEmpty { return path }
        return ChildProcess.buildDirectory.appendingPathComponent("chat-server").path
    }()

    let child: ChildProcess
    var process: Process { child.process }
    var stdout: OutputCollector { child.stdout }
    var stderr: OutputCollector { child.stderr }
    /// The port from the `listening` line; 0 until ``waitUntilListening(timeout:)`` has seen it.
    private(set) var port: UInt16 = 0

    /// The event loops the server runs, from the `listening` line (`CHAT_TEST_LOOPS`, unless the
    /// test says `--loops`); 1 until ``waitUntilListening(timeout:)`` has seen it. With `--redis`
    /// each loop is a node of the cluster: it logs its own `cluster joined`, `redis unavailable`...
    private(set) var loops = 1

    /// Launches and waits for the `listening` line. With `CHAT_TEST_REDIS=1`, a server the test
    /// does not make a node itself is a node of a cluster of its own through one Redis the run
    /// shares (its own `--cluster` prefix), and is ready once every loop has joined: the same
    /// suites then run against the Redis world.
    static func start(_ arguments: [String] = [], environment: [String: String] = [:],
                      launcher: [String] = [], timeout: TimeInterval = 20) throws -> ServerProcess {
        var arguments = arguments
        let asNode = testsThroughRedis && !arguments.contains("--redis")
        if asNode { arguments += ["--redis", try sharedRedis().url, "--cluster", "t\(UUID().uuidString.prefix(8))"] }
        let server = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0"] + arguments,
                                       environment: environment, launcher: launcher)
        try server.waitUntilListening(timeout: timeout)
        if asNode {
            let loops = server.loops
            try server.stderr.waitForText(timeout: timeout) { text in
                text.split(separator: "\n").filter { $0.contains("cluster joined") }.count >= loops
            }
        }
        return server
    }

    /// `CHAT_TEST_REDIS=1`: every server the suites start is a node of a cluster through Redis.
    static let testsThroughRedis = ProcessInfo.processInfo.environment["CHAT_TEST_REDIS"] == "1"

    /// The one Redis of a `CHAT_TEST_REDIS` run, started on first use and kept to its end.
    private static func sharedRedis() throws -> RedisProcess {
        redisLock.lock()
        defer { redisLock.unlock() }
        if let redis = startedRedis { return redis }
        let redis = try RedisProcess()
        startedRedis = redis
        return redis
    }
    private static let redisLock = NSLock()
    nonisolated(unsafe) private static var startedRedis: RedisProcess?

    /// Launches the binary with exactly `arguments`, and `environment` over the
    /// test runner's own environment with every `CHAT_*` variable removed.
    /// A `launcher` (such as `prlimit --nofile=24`) runs the binary for it. Spawned from a
    /// test-runner worker thread, the server inherits SIGTERM and SIGINT blocked: the
    /// shutdown tests also check that it unblocks them itself.
    init(arguments: [String], environment: [String: String] = [:], launcher: [String] = [], defaultLoops: Bool = false) throws {
        child = try ChildProcess(Self.binaryPath, arguments, environment: environment, launcher: launcher, defaultLoops: defaultLoops)
    }

    /// Waits for the `listening` log line (text or JSON) and takes the port from its address.
    func waitUntilListening(timeout: TimeInterval = 20) throws {
        let line = try stderr.waitForLine(timeout: timeout) { $0.contains("listening") && $0.contains("address") }
        guard let port = Self.port(fromListeningLine: line) else {
            throw TestFailure("no port in the listening line: \(line)")
        }
        self.port = port
        loops = Self.field("loops", of: line).flatMap { Int($0) } ?? 1
    }

    /// The value of `name=value` or `"name":"value"` in a log line.
    static func field(_ name: String, of line: String) -> String? {
        guard let range = line.range(of: " \(name)=") ?? line.range(of: "\"\(name)\":\"") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " && $0 != "\"" })
    }

    /// The port at the end of `address=host:port` or `"address":"host:port"`.
    static func port(fromListeningLine line: String) -> UInt16? {
        guard let range = line.range(of: "address=") ?? line.range(of: "\"address\":\"") else { return nil }
        let value = line[range.upperBound...].prefix { $0 != " " && $0 != "\"" }
        guard let colon = value.lastIndex(of: ":") else { return nil }
        return UInt16(value[value.index(after: colon)...])
    }

    /// Connects a new client to this server.
    func connect() throws -> LineClient { try LineClient(port: port) }

    /// Connects one client per name and registers it, expecting `ack,<name>`.
    func registered(_ names: String...) throws -> [LineClient] { try registered(names) }

    func registered(_ names: [String]) throws -> [LineClient] {
        try names.map { name in
            let client = try connect()
            try client.send("register,\(name)\n")
            let reply = try client.readLine()
            guard reply == "ack,\(name)" else { throw TestFailure("register,\(name) answered \(reply)") }
            client.name = name
            return client
        }
    }

    /// Makes each client join `room` in turn, checking every `joined` and `join` line on the way.
    func join(_ room: String, _ members: [LineClient]) throws {
        for (index, member) in members.enumerated() {
            try member.send("join,\(room)\n")
            let reply = try member.readLine()
            guard reply == "joined,\(room),\(index + 1)" else { throw TestFailure("join,\(room) answered \(reply)") }
            for earlier in members[..<index] {
                let notice = try earlier.readLine()
                guard notice == "join,\(room),\(member.name)" else { throw TestFailure("expected a join notice, got \(notice)") }
            }
        }
    }

    /// Sends a signal to the server.
    func signal(_ number: Int32) { child.signal(number) }

    /// Waits for the process to end; throws when it is still running after `timeout`.
    @discardableResult
    func waitForExit(timeout: TimeInterval = 20) throws -> Termination { try child.waitForExit(timeout: timeout) }
}
