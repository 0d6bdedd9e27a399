import ChatCore
import LibeventKit
import Logging

/// This process (or one of its loops) as one node of a cluster that shares one chat through
/// Redis: the dispatcher's ``ChatWorld`` beyond one process. (The loops of one process
/// without Redis share theirs through a ``LoopHub`` instead, each a ``HubWorld``.)
///
/// The node keeps its own sessions (in the ``Registry``, its local view) and, for each room
/// with local members, a subscription to the room's channel; Redis keeps names, rooms,
/// memberships and each room's log with a sequence number. Every room event goes through
/// Redis and comes back on the channel, to this node as to the others, so each member sees a
/// room's messages in the order Redis gave them, and a node that missed some (a lost
/// connection, a join in flight) knows from the numbers and fetches them from the log.
///
/// Two connections, both on the node's event base: one for commands (Lua scripts, each an
/// atomic step) and one for subscriptions. Either failing, or a command waiting longer than
/// `redisTimeout`, drops both: commands that need the cluster are answered `unavailable`
/// until the node has reconnected (with backoff) and written its view back (repair).
///
/// Touched only on the loop's thread, like the registry.
public final class ClusterNode {
    public let configuration: ClusterConfiguration
    /// This process's id in the cluster, new at every start.
    public let id: String
    let registry: Registry
    let logger: Logger
    let loop: EventLoop
    /// `--cluster` and a colon: every key and channel starts with it.
    let prefix: String
    let commands: RedisConnection
    let subscriber: RedisConnection
    /// Each script's SHA1, by ``ClusterScripts/Script`` raw value, once loaded.
    var scriptDigests: [[UInt8]] = []
    var commandsReady = false
    var subscriberReady = false
    /// The node's view is written back to Redis after the last (re)connect.
    var repaired = false
    /// Redis has known this node: a heartbeat that finds it unknown means others reaped it.
    var known = false
    /// The rooms this node subscribes to, by folded name.
    var rooms: [ChatName: RoomLink] = [:]
    /// This node's sessions by a name they renamed from (folded), until the rename's own
    /// notice comes back: what they said or did before it, published before it, names them
    /// so, and they are not to be told of it themselves.
    var renamedFrom: [ChatName: WeakSession] = [:]
    /// Old names (folded) of this node's renames whose notice came back before their answer:
    /// nothing of the old name's is on its way any more, so no ``renamedFrom`` is kept.
    var renameNoticesFirst: Set<ChatName> = []
    /// Room messages gathered during this loop pass, sent at its end.
    var sayBatches = SayBatches()
    /// Direct messages gathered during this loop pass, sent at its end.
    var chatBatch = ChatBatch()
    var queuedBytes = 0
    public internal(set) var figures = ClusterFigures()
    /// Called once, the first time the node is available.
    public var onAvailable: (() -> Void)?
    var stopping = false
    var backoff = ClusterNode.firstBackoff
    private var watches = 0
    /// The last reason the link went down, logged once until it changes.
    var lastProblem: String?

    lazy var reconnectTimer = EventTimer(loop: loop) { [unowned self] in self.connect() }
    lazy var heartbeatTimer = EventTimer(loop: loop) { [unowned self] in self.beat() }
    lazy var watchTimer = EventTimer(loop: loop) { [unowned self] in self.watch() }
    lazy var flushTimer = EventTimer(loop: loop) { [unowned self] in self.flushPass() }

    let nodeChannel: [UInt8]
    let noticeChannel: [UInt8]
    let roomChannelPrefix: [UInt8]

    static let firstBackoff = 0.1
    static let maxBackoff = 5.0
    /// Commands queued for Redis before new ones are answered `unavailable`.
    static let maxPendingCommands = 200_000

    public init(configuration: ClusterConfiguration, registry: Registry, loop: EventLoop, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.loop = loop
        self.logger = logger
        id = String(UInt64.random(in: .min ... .max), radix: 16)
        prefix = configuration.name + ":"
        nodeChannel = Array("\(prefix)node:\(id)".utf8)
        noticeChannel = Array("\(prefix)notices".utf8)
        roomChannelPrefix = Array("\(prefix)room:".utf8)
        commands = RedisConnection(base: loop.base, endpoint: configuration.redis, role: "commands")
        subscriber = RedisConnection(base: loop.base, endpoint: configuration.redis, role: "subscriptions")
        commands.onConnected = { [unowned self] in self.prepareCommands() }
        subscriber.onConnected = { [unowned self] in self.prepareSubscriber() }
        commands.onLost = { [unowned self] reason in self.linkLost("commands: \(reason)") }
        subscriber.onLost = { [unowned self] reason in self.linkLost("subscriptions: \(reason)") }
        subscriber.onMessage = { [unowned self] channel, payload in self.received(payload, on: channel) }
        subscriber.onSubscribed = { [unowned self] channel in self.subscribed(channel) }
    }

    /// Connects (and keeps reconnecting) until ``leave(then:)``.
    public func start() {
        logger.info("cluster node starting",
                    metadata: ["node": "\(id)", "redis": "\(configuration.redis)", "cluster": "\(configuration.name)"])
        connect()
        watchTimer.schedule(after: Self.watchInterval)
    }

    /// Connected and repaired: what needs the cluster works.
    public var isAvailable: Bool { commandsReady && subscriberReady && repaired && !stopping }

    static let watchInterval = 0.25

    // MARK: The link's lifecycle

    func connect() {
        guard !stopping else { return }
        for connection in [commands, subscriber] {
            if let failure = connection.connect() { return linkLost(failure) }
        }
    }

    /// AUTH and SELECT as configured, then every script loaded, a first heartbeat and a repair.
    private func prepareCommands() {
        authenticate(commands)
        name(commands, "cmd")
        if case let endpoint = configuration.redis, endpoint.database != 0 {
            commands.send(RedisCommand("SELECT", String(endpoint.database))) { [unowned self] reply in
                if case .error(let message) = reply { self.refused("SELECT \(endpoint.database): \(message)") }
            }
        }
        var digests: [[UInt8]] = []
        for script in ClusterScripts.Script.allCases {
            commands.send(RedisCommand("SCRIPT", "LOAD", ClusterScripts.source(script, keepsRecords: configuration.keepsRecords))) { [unowned self] reply in
                guard let digest = reply?.bytes else {
                    if case .error(let message) = reply { self.refused("SCRIPT LOAD \(script): \(message)") }
                    return
                }
                digests.append(digest)
                guard digests.count == ClusterScripts.Script.allCases.count else { return }
                self.scriptDigests = digests
                self.commandsReady = true
                self.beat()
            }
        }
    }

    private func prepareSubscriber() {
        authenticate(subscriber)
        name(subscriber, "sub")
        subscriber.subscribe(noticeChannel)
        subscriber.subscribe(nodeChannel)
        for link in rooms.values { subscriber.subscribe(link.channel) }
    }

    private func authenticate(_ connection: RedisConnection) {
        guard let password = configuration.redis.password else { return }
        let endpoint = configuration.redis
        var command = RedisCommand("AUTH")
        if let user = endpoint.user { command.add(user) }
        command.add(password)
        connection.send(command) { [unowned self] reply in
            if case .error(let message) = reply { self.refused("AUTH: \(message)") }
        }
    }

    /// Names the connection in Redis's CLIENT LIST: `chat-<node>-cmd` or `-sub`, for operators.
    private func name(_ connection: RedisConnection, _ role: String) {
        connection.send(RedisCommand("CLIENT", "SETNAME", "\(configuration.name)-\(id)-\(role)")) { _ in }
    }

    /// Redis answered setup with an error (a wrong password, a bad database): logged, and
    /// retried with backoff, since an operator may fix Redis's side.
    private func refused(_ problem: String) {
        linkLost("Redis refused \(problem)")
    }

    func subscribed(_ channel: [UInt8]) {
        if channel == nodeChannel {
            subscriberReady = true
            catchUpAll()
            return announceAvailable()
        }
        guard channel.starts(with: roomChannelPrefix),
              let folded = channel.dropFirst(roomChannelPrefix.count).withUnsafeBytes({ ChatName($0) }),
              let link = rooms[folded] else { return }
        link.subscribed = true
        if link.seq != nil && repaired { catchUp(link) }
        let waiting = link.awaitingSubscription
        link.awaitingSubscription = []
        for join in waiting { join.run() }
    }

    /// The first time the node is available, ``onAvailable`` runs.
    private func announceAvailable() {
        guard isAvailable, let first = onAvailable else { return }
        onAvailable = nil
        first()
    }

    /// Either connection failed, or Redis is too slow: both go, everything waiting is
    /// answered `unavailable`, and a reconnect is due after the backoff.
    func linkLost(_ reason: String) {
        let wasUp = figures.connected
        commandsReady = false
        subscriberReady = false
        repaired = false
        figures.connected = false
        if wasUp { figures.disconnects += 1 }
        for connection in [commands, subscriber] { connection.drop() }
        abandonBatches()
        let chats = chatBatch
        chatBatch = ChatBatch()
        for done in chats.answers { done(.unavailable) }
        for link in rooms.values {
            link.subscribed = false
            link.catchingUp = false
            let waiting = link.awaitingSubscription
            link.awaitingSubscription = []
            for join in waiting { join.fail() }
            admitParked(link, all: true)
        }
        if wasUp || reason != lastProblem {
            logger.warning("redis unavailable", metadata: ["reason": "\(reason)", "redis": "\(configuration.redis)",
                                                            "retry_in_s": "\(backoff)"])
        } else {
            logger.debug("redis still unavailable", metadata: ["reason": "\(reason)"])
        }
        lastProblem = reason
        guard !stopping else { return }
        reconnectTimer.schedule(after: backoff * Double.random(in: 0.8...1.2))
        backoff = min(backoff * 2, Self.maxBackoff)
    }

    /// Every `watchInterval`: a command unanswered for `redisTimeout` drops the link; every
    /// second, the round trips' 99th percentile.
    private func watch() {
        watchTimer.schedule(after: Self.watchInterval)
        watches &+= 1
        if watches % 4 == 0 { figures.roundTripP99Ms = takeRoundTripP99() ?? 0 }
        guard let since = commands.oldestPendingSince,
              UnixClock.monotonicSeconds() - since > configuration.redisTimeout else { return }
        linkLost("no reply for \(configuration.redisTimeout) s")
    }

    /// The heartbeat: tells Redis this node lives, reaps nodes that stopped beating, and
    /// finds out whether others reaped this one (then it writes its view back).
    func beat() {
        guard commandsReady else { return }
        heartbeatTimer.schedule(after: configuration.nodeTimeout / 5)
        run(.heartbeat, [String(Int(configuration.nodeTimeout * 600))]) { [unowned self] reply in
            guard let values = reply?.array, values.count == 3, let wasKnown = values[0].integer else { return }
            figures.nodesAlive = Int(values[1].integer ?? 0)
            if let reaped = values[2].integer, reaped > 0 {
                logger.info("nodes gone", metadata: ["count": "\(reaped)", "timeout_s": "\(configuration.nodeTimeout)"])
            }
            if wasKnown == 0 && known && repaired {
                logger.warning("this node was taken for gone: writing its users back", metadata: ["node": "\(id)"])
                repaired = false
            }
            known = true
            if !repaired { repair() }
        }
    }

    /// Writes this node's users and memberships back and drops what it no longer has; a
    /// name another node holds now is lost to its user here (`bye,name-lost`).
    func repair() {
        var command = RedisCommand()
        for session in registry.sessions {
            guard let name = session.name else { continue }
            var words = name.folded.description + " " + name.description
            for room in session.rooms { words += " \(room.name.folded) \(room.name)" }
            command.add(words)
        }
        run(.repair, command) { [unowned self] reply in
            guard let lost = reply?.array else { return }
            for value in lost {
                guard let bytes = value.bytes, let folded = bytes.withUnsafeBytes({ ChatName($0) }),
                      let session = registry.user(named: folded), let name = session.name else { continue }
                figures.namesLost += 1
                logger.warning("user lost its name to another node", metadata: ["name": "\(name)"])
                registry.broadcast(.quit(name: name, text: nil, voluntary: false), toMembersOf: session.rooms, except: session)
                session.close(saying: .nameLost)
            }
            repaired = true
            figures.connected = true
            backoff = Self.firstBackoff
            if lastProblem != nil {
                logger.info("redis available again", metadata: ["redis": "\(configuration.redis)"])
            } else {
                logger.info("cluster joined", metadata: ["node": "\(id)", "nodes": "\(figures.nodesAlive)"])
            }
            lastProblem = nil
            catchUpAll()
            announceAvailable()
        }
    }

    /// After a reconnect: every room's messages since the last one taken.
    private func catchUpAll() {
        guard repaired && subscriberReady else { return }
        for link in rooms.values where link.subscribed && link.seq != nil { catchUp(link) }
    }

    /// SIGTERM: this node's users and memberships leave the cluster (their rooms hear
    /// `quit` at once), then `done`; also when Redis does not answer within its timeout.
    public func leave(then done: @escaping () -> Void) {
        flushPass()
        let sent = run(.leaveCluster, RedisCommand()) { [unowned self] _ in
            stopping = true
            commands.drop()
            subscriber.drop()
            done()
        }
        if !sent {
            stopping = true
            done()
        }
    }

    /// Runs a script; false (and `reply` not called) when not connected.
    @discardableResult
    func run(_ script: ClusterScripts.Script, _ arguments: [String], reply: @escaping RedisConnection.ReplyHandler) -> Bool {
        var command = RedisCommand()
        for argument in arguments { command.add(argument) }
        return run(script, command, reply: reply)
    }

    /// Runs a script with `arguments` after the prefix; false when not connected.
    @discardableResult
    func run(_ script: ClusterScripts.Script, _ arguments: RedisCommand, reply: @escaping RedisConnection.ReplyHandler) -> Bool {
        guard commandsReady, commands.pending < Self.maxPendingCommands else { return false }
        var command = RedisCommand("EVALSHA")
        command.add(scriptDigests[script.rawValue])
        command.add("0")
        command.add(prefix)
        command.add(id)
        command.append(arguments)
        return commands.send(command) { [unowned self] value in
            if case .error(let message) = value {
                logger.warning("redis script failed", metadata: ["script": "\(script)", "error": "\(message)"])
                return reply(nil)
            }
            reply(value)
        }
    }

    /// The 99th percentile of command round trips since the last call, in milliseconds.
    func takeRoundTripP99() -> Double? {
        var samples = commands.roundTrips
        commands.roundTrips.removeAll(keepingCapacity: true)
        guard !samples.isEmpty else { return nil }
        samples.sort()
        return samples[min(samples.count - 1, samples.count * 99 / 100)] * 1000
    }
}

/// A session held without keeping it alive.
struct WeakSession {
    weak var session: Session?
}
