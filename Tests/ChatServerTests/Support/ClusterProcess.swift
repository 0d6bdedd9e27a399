import ChatTestSupport
import Foundation

/// A real Redis and `count` chat-server nodes of one cluster on it, each on its own port.
final class ClusterProcess {
    let redis: RedisProcess
    private(set) var nodes: [ServerProcess] = []
    let arguments: [String]

    /// Starts Redis and the nodes, and waits until each has joined the cluster.
    init(nodes count: Int, redis: RedisProcess? = nil, arguments: [String] = []) throws {
        self.redis = try redis ?? RedisProcess()
        self.arguments = arguments
        for _ in 0..<count { nodes.append(try startNode()) }
    }

    /// One more node, connected: each of its loops (every one a node of the cluster) has joined.
    func startNode(url: String? = nil, extra: [String] = []) throws -> ServerProcess {
        let node = try ServerProcess.start(["--redis", url ?? redis.url, "--stats-interval", "0"] + arguments + extra)
        try node.waitForEveryLoop("cluster joined")
        return node
    }

    /// Connects to node `index` and registers `name` there.
    func user(_ name: String, on index: Int) throws -> LineClient {
        let client = try nodes[index].connect()
        try client.send("register,\(name)\n")
        let reply = try client.readLine()
        guard reply == "ack,\(name)" else { throw TestFailure("register,\(name) on node \(index) answered \(reply)") }
        client.name = name
        return client
    }

    /// A barrier across nodes: `sender` chats `recipient` a token after everything published
    /// before; since each node takes Redis's messages in order, the lines `recipient` got
    /// before the token are every message published to it before the barrier.
    static func sync(_ recipient: LineClient, via sender: LineClient) throws -> [String] {
        let token = "barrier-\(UUID().uuidString.prefix(8))"
        try sender.send("chat,\(recipient.name),\(token)\n")
        var before: [String] = []
        while true {
            let line = try recipient.readLine()
            if line == "chat,\(sender.name),\(token)" { return before }
            before.append(line)
        }
    }
}

extension ServerProcess {
    /// Waits until each of the server's loops has logged a line containing `message`: with
    /// `--redis` each loop is a node, which logs its own `cluster joined` and, once an outage
    /// is over, its own `redis available again`.
    func waitForEveryLoop(_ message: String, timeout: TimeInterval = 20) throws {
        try waitForLog(message, count: loops, timeout: timeout)
    }

    /// Waits until each of the server's loops has lost Redis in its first outage: each warns
    /// `redis unavailable` at once with its backoff at the start (`retry_in_s=0.1`); a later
    /// warning of the same outage (another reason) comes with a longer one.
    func waitForEveryLoopToLoseRedis(timeout: TimeInterval = 20) throws {
        try stderr.waitForText(timeout: timeout) { text in
            text.components(separatedBy: "\n").filter { $0.contains("redis unavailable") && $0.contains(" retry_in_s=0.1") }
                .count >= self.loops
        }
    }

    /// Waits until the log holds `count` lines containing `message`.
    func waitForLog(_ message: String, count: Int = 1, timeout: TimeInterval = 20) throws {
        try stderr.waitForText(timeout: timeout) { text in
            text.components(separatedBy: "\n").filter { $0.contains(message) }.count >= count
        }
    }

    /// How many log lines contain `message` so far.
    func logCount(_ message: String) -> Int {
        stderr.lines.filter { $0.contains(message) }.count
    }
}
