import ChatCore

/// How a node joins a cluster: `--redis`, `--cluster`, `--node-timeout`, `--redis-timeout`.
public struct ClusterConfiguration: Sendable {
    /// The Redis every node of the cluster shares.
    public var redis: RedisEndpoint
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
    /// Whether a room's record (its log, last id and epoch) outlives its last member
    /// (`--store sqlite`, the default: Redis is the cluster's store); false: it goes with
    /// it, as in protocol v1 (`--store memory`).
    public var keepsRecords = false
    /// How many messages a kept room's log holds (`--history-keep`), when ``keepsRecords``.
    public var historyKeep = 10_000

    /// How many of its latest messages a room's log holds.
    var logLimit: Int { keepsRecords ? max(catchUpWindow, historyKeep) : catchUpWindow }

    public init(redis: RedisEndpoint, name: String = "chat", nodeTimeout: Double = 10, redisTimeout: Double = 3,
                historyLimit: Int = 50, maxRooms: Int? = nil, catchUpWindow: Int = 1000, maxQueuedBytes: Int = 32 << 20) {
        self.redis = redis
        self.name = name
        self.nodeTimeout = nodeTimeout
        self.redisTimeout = redisTimeout
        self.historyLimit = historyLimit
        self.maxRooms = maxRooms
        self.catchUpWindow = max(catchUpWindow, historyLimit, 1)
        self.maxQueuedBytes = maxQueuedBytes
    }
}
