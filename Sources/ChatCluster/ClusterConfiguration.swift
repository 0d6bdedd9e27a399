import ChatCore

/// Where a node's shared state is.
public enum ClusterBackend: Sendable, CustomStringConvertible {
    /// Redis, shared by every node with the same cluster name.
    case redis(RedisEndpoint)
    /// The hub of this process's own event loops (`--loops`), each loop a node.
    case loops(LoopHub)

    public var description: String {
        switch self {
        case .redis(let endpoint): endpoint.description
        case .loops: "this process's loops"
        }
    }
}

/// How a node joins a cluster: `--redis`, `--cluster`, `--node-timeout`, `--redis-timeout`.
public struct ClusterConfiguration: Sendable {
    public var backend: ClusterBackend
    /// Prefixes every key and channel, so several chats can share one Redis.
    public var name: String
    /// A node silent this long is gone: its users' names are freed and their rooms hear `quit`.
    public var nodeTimeout: Double
    /// A command unanswered this long means Redis is gone or frozen: the node drops its
    /// connections, answers `unavailable`, and reconnects.
    public var redisTimeout: Double
    /// Each room's history, as on a single server (`--history`).
    public var historyLimit: Int
    /// `--max-rooms`, counted over the whole cluster.
    public var maxRooms: Int?
    /// How many of a room's last messages Redis keeps for nodes that catch up after losing
    /// their connection: at least the history.
    public var catchUpWindow: Int
    /// The most bytes of room messages a node queues for Redis before it answers `unavailable`.
    public var maxQueuedBytes: Int

    public init(backend: ClusterBackend, name: String = "chat", nodeTimeout: Double = 10, redisTimeout: Double = 3,
                historyLimit: Int = 50, maxRooms: Int? = nil, catchUpWindow: Int = 1000, maxQueuedBytes: Int = 32 << 20) {
        self.backend = backend
        self.name = name
        self.nodeTimeout = nodeTimeout
        self.redisTimeout = redisTimeout
        self.historyLimit = historyLimit
        self.maxRooms = maxRooms
        self.catchUpWindow = max(catchUpWindow, historyLimit, 1)
        self.maxQueuedBytes = maxQueuedBytes
    }
}

extension ClusterConfiguration {
    public init(redis: RedisEndpoint, name: String = "chat", nodeTimeout: Double = 10, redisTimeout: Double = 3,
                historyLimit: Int = 50, maxRooms: Int? = nil) {
        self.init(backend: .redis(redis), name: name, nodeTimeout: nodeTimeout, redisTimeout: redisTimeout,
                  historyLimit: historyLimit, maxRooms: maxRooms)
    }

    /// The loops of one process: nothing to time out, nobody to reap.
    public static func loops(_ hub: LoopHub, historyLimit: Int, maxRooms: Int?) -> ClusterConfiguration {
        // The hub never drops a publication, so no loop catches up: its logs need only the history.
        ClusterConfiguration(backend: .loops(hub), name: "loops", nodeTimeout: 3600, redisTimeout: .infinity,
                             historyLimit: historyLimit, maxRooms: maxRooms, catchUpWindow: historyLimit)
    }

    /// Every node is a loop of this process, so every node stops when it does.
    var isOneProcess: Bool { redis == nil }

    /// The Redis endpoint, when the backend is Redis.
    var redis: RedisEndpoint? {
        if case .redis(let endpoint) = backend { return endpoint }
        return nil
    }
}
