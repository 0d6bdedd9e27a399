import ArgumentParser
import ChatCluster
import ChatCommandLine
import ChatCore
import ChatDialects
import ChatServer
import ChatStore
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

@main
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-server",
        abstract: "A TCP chat server speaking chat protocol v1 (register, chat, rooms) on libevent.",
        discussion: """
            Every option can also be set from the environment: --max-line as CHAT_MAX_LINE, \
            --port as CHAT_PORT, and so on. An option on the command line wins over the environment.

            With --tls-port, --tls-cert and --tls-key, protocol v1 is also served over TLS; SIGHUP loads the \
            certificate and key again for new connections (a bad file is logged and the old pair kept).

            SIGTERM or SIGINT stops accepting, sends bye,shutdown to every client, waits for their \
            output to drain (at most --drain-timeout seconds), writes what the store has yet to write \
            and exits 0. A second signal exits at once.

            Rooms' messages are kept in an SQLite database in --data-dir (./chat-data/chat.db), made on \
            first start: a room's history and message ids outlive its members and restarts. A directory \
            that cannot be written or a damaged database stops the start with one line naming it. \
            --store memory keeps them in memory only. See docs/protocol.md, "Durable history".

            Try it: chat-server --port 7420, then in two terminals: nc localhost 7420, and type \
            register,<name> in each.

            The classic teaching chats' own clients work on ports of their own, off unless given: \
            --classic-port (register, list,friends, chat,<name>; commands need no newline), \
            --nickname-port (the chat room that asks GET_NAME) and --telnet-port (plain lines, /nick, \
            /quit, time stamps). Chat-room and telnet users are members of --dialect-room, where protocol \
            v1 users meet them. See docs/protocol.md, "Classic dialects".

            chat-server probe [--host H] [--port P] [--timeout S] checks that a server answers a ping \
            (exit 0) or not (exit 1): a container HEALTHCHECK without curl or nc.
            """
    )

    /// The flags that also come from `CHAT_*` variables.
    static let environmentFlags = ["--host", "--port", "--max-line", "--history", "--resume-max", "--store", "--data-dir",
                                   "--history-keep", "--history-days", "--store-sync", "--store-backlog", "--max-connections", "--idle-timeout",
                                   "--max-pending", "--max-connections-per-address", "--exempt-addresses",
                                   "--registration-timeout", "--rate-limit", "--rate-burst", "--max-rooms-per-user", "--max-rooms",
                                   "--drain-timeout", "--stats-interval", "--metrics-port", "--tls-port", "--tls-cert", "--tls-key", "--tls-handshake-timeout", "--ws-origins",
                                   "--classic-port", "--nickname-port",
                                   "--telnet-port", "--dialect-room", "--quiet-gap", "--redis", "--cluster", "--node-timeout",
                                   "--redis-timeout", "--loops", "--log-level", "--log-format"]

    @Option(help: "The address to listen on: a host name, IPv4 or IPv6 literal (CHAT_HOST).")
    var host = ServerConfiguration().host

    @Option(help: "The TCP port to listen on; 0 picks a free one and logs it (CHAT_PORT).")
    var port = ServerConfiguration.defaultPort

    @Option(help: "The longest client line in bytes, LF excluded; longer lines get error,line-too-long (CHAT_MAX_LINE).")
    var maxLine = ServerConfiguration().maxLine

    @Option(help: "Messages each room keeps and replays to members who join; 0 keeps none (CHAT_HISTORY).")
    var history = ServerConfiguration().history

    @Option(help: ArgumentHelp("The most messages a protocol v2 resume or history page replays; each room keeps as many in memory (CHAT_RESUME_MAX).",
                               discussion: "A resume that missed more ends replayed,<room>,<n>,gap after the latest this many."))
    var resumeMax = ChatLimits().resumeMax

    @Option(help: ArgumentHelp(
        "sqlite: rooms' messages are kept in an SQLite database in --data-dir, across restarts and after a room's last member leaves. memory: in memory only, as protocol v1 (CHAT_STORE).",
        discussion: "With --redis, Redis keeps each room's record and this is not used.", valueName: "sqlite|memory"))
    var store = StoreKind.sqlite

    @Option(help: "The directory of the store's database (chat.db), made on first start (CHAT_DATA_DIR).")
    var dataDir = "./chat-data"

    @Option(help: "The most messages the store keeps per room (CHAT_HISTORY_KEEP).")
    var historyKeep = 10_000

    @Option(help: "Days the store keeps a message; 0 keeps them for ever (CHAT_HISTORY_DAYS).")
    var historyDays = 30

    @Option(help: "Seconds a message may wait before it is written (the writer commits each such window as one transaction): kill -9 loses at most that much, SIGTERM nothing (CHAT_STORE_SYNC).")
    var storeSync = 0.05

    @Option(help: "Bytes of messages that may wait for the store's writer; past them say is answered error,unavailable until it catches up (CHAT_STORE_BACKLOG).")
    var storeBacklog = 64 << 20

    @Option(help: "Connections served at once; one more gets bye,server-full and is closed. 0: no limit (CHAT_MAX_CONNECTIONS).")
    var maxConnections = ServerConfiguration().maxConnections ?? 0

    @Option(help: "Connections served at once from one address; one more gets bye,too-many-connections. 0: no limit (CHAT_MAX_CONNECTIONS_PER_ADDRESS).")
    var maxConnectionsPerAddress = ServerConfiguration().maxConnectionsPerAddress ?? 0

    @Option(help: "Comma-separated CIDR blocks that --max-connections-per-address does not count; none: count every address (CHAT_EXEMPT_ADDRESSES).")
    var exemptAddresses = ServerConfiguration().exemptAddresses.map(\.description).joined(separator: ",")

    @Option(help: "Seconds a connection may stay unregistered before bye,registration-timeout. 0: no limit (CHAT_REGISTRATION_TIMEOUT).")
    var registrationTimeout = ServerConfiguration().registrationTimeout ?? 0

    @Option(help: "Seconds without a byte from a client before bye,idle-timeout. 0: never (CHAT_IDLE_TIMEOUT).")
    var idleTimeout = ServerConfiguration().idleTimeout ?? 0

    @Option(help: "Bytes of output queued for one client before it is dropped with bye,slow-consumer. 0: no limit (CHAT_MAX_PENDING).")
    var maxPending = ServerConfiguration().maxPending ?? 0

    @Option(help: "Lines per second one connection may send; more get error,rate-limited. 0: no limit (CHAT_RATE_LIMIT).")
    var rateLimit = 0.0

    @Option(help: "Lines a connection may send at once under --rate-limit: the token bucket's size (CHAT_RATE_BURST).")
    var rateBurst = ChatLimits().rateBurst

    @Option(help: "Rooms one user may be in; one more join gets error,too-many-rooms. 0: no limit (CHAT_MAX_ROOMS_PER_USER).")
    var maxRoomsPerUser = ChatLimits().maxRoomsPerUser ?? 0

    @Option(help: "Rooms the server holds; a join creating one more gets error,rooms-full. 0: no limit (CHAT_MAX_ROOMS).")
    var maxRooms = ChatLimits().maxRooms ?? 0

    @Option(help: "Seconds a shutdown waits for clients to receive their last lines (CHAT_DRAIN_TIMEOUT).")
    var drainTimeout = ServerConfiguration().drainTimeout

    @Option(help: "Seconds between throughput log lines (connections, rates, errors, loop lag, memory); 0 turns them off (CHAT_STATS_INTERVAL).")
    var statsInterval = ServerConfiguration().statsInterval

    @Option(help: "HTTP port for GET /metrics (Prometheus) and GET /healthz on --host; 0 turns them off (CHAT_METRICS_PORT).")
    var metricsPort = 0

    @Option(help: "Port for protocol v1 over TLS 1.2 and 1.3; needs --tls-cert and --tls-key; 0 picks a free one (CHAT_TLS_PORT).")
    var tlsPort: Int?

    @Option(help: "PEM file of the server's certificate and its chain; SIGHUP loads it again (CHAT_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "PEM file of the certificate's private key; SIGHUP loads it again (CHAT_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "Seconds a TLS client may take to finish its handshake before it is closed (CHAT_TLS_HANDSHAKE_TIMEOUT).")
    var tlsHandshakeTimeout = ServerConfiguration().tlsHandshakeTimeout

    @Option(help: "Comma-separated origins (such as https://chat.example.com) whose pages may open a WebSocket on /chat; * allows any; empty: only pages the server itself served (CHAT_WS_ORIGINS).")
    var wsOrigins = ""

    @Option(help: "Port for the classic register/list/chat clients, which send no newline; off unless given, 0 picks a free one (CHAT_CLASSIC_PORT).")
    var classicPort: Int?

    @Option(help: "Port for the chat-room clients that answer GET_NAME; off unless given, 0 picks a free one (CHAT_NICKNAME_PORT).")
    var nicknamePort: Int?

    @Option(help: "Port for telnet users: plain lines, /nick, /quit, time stamps; off unless given, 0 picks a free one (CHAT_TELNET_PORT).")
    var telnetPort: Int?

    @Option(help: "The room chat-room and telnet users are in, shared with protocol v1 users (CHAT_DIALECT_ROOM).")
    var dialectRoom = ServerConfiguration().dialectRoom

    @Option(help: "Seconds of quiet after which a classic or chat-room client's bytes without a newline are one command (CHAT_QUIET_GAP).")
    var quietGap = ServerConfiguration().quietGap

    @Option(help: "Event loops, each on its own thread with its own listener on the port (SO_REUSEPORT); the loops share one chat. 0, the default: one per CPU this process may use (its affinity mask and cgroup CPU quota, so a container limited to 2 CPUs runs 2). 1: one loop, the whole chat on one thread (CHAT_LOOPS).")
    var loops = 0

    @Option(help: ArgumentHelp(
        "Join the cluster of every node with this Redis and --cluster name: redis://[[USER]:PASSWORD@]HOST:PORT[/DB]. Off: one server, nothing else to run (CHAT_REDIS, which keeps a password off the command line).",
        valueName: "url"))
    var redis: String?

    @Option(help: "The cluster's name: it prefixes every Redis key and channel, so several chats can share one Redis (CHAT_CLUSTER).")
    var cluster = "chat"

    @Option(help: "Seconds after which a node that stopped answering is taken for gone: its users' names are freed and their rooms hear quit (CHAT_NODE_TIMEOUT).")
    var nodeTimeout = 10.0

    @Option(help: "Seconds a Redis command may go unanswered before the node drops its connection, answers error,unavailable and reconnects (CHAT_REDIS_TIMEOUT).")
    var redisTimeout = 3.0

    @Option(help: "The lowest level logged: trace, debug, info, notice, warning, error, critical (CHAT_LOG_LEVEL).")
    var logLevel = Logger.Level.info

    @Option(help: "text: key=value lines for people; json: one JSON object a line (CHAT_LOG_FORMAT).")
    var logFormat = LogFormat.text

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
        guard maxLine >= 1 else { throw ValidationError("--max-line must be at least 1, not \(maxLine)") }
        guard history >= 0 else { throw ValidationError("--history must be 0 or more, not \(history)") }
        guard (1...100_000).contains(resumeMax) else { throw ValidationError("--resume-max must be 1 to 100000, not \(resumeMax)") }
        guard historyKeep >= 1 else { throw ValidationError("--history-keep must be at least 1, not \(historyKeep)") }
        guard historyDays >= 0 else { throw ValidationError("--history-days must be 0 or more, not \(historyDays)") }
        guard storeSync >= 0.001, storeSync <= 10 else { throw ValidationError("--store-sync must be 0.001 to 10 seconds, not \(storeSync)") }
        guard storeBacklog >= 4096 else { throw ValidationError("--store-backlog must be at least 4096 bytes, not \(storeBacklog)") }
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must name a directory") }
        guard drainTimeout >= 0 else { throw ValidationError("--drain-timeout must be 0 or more") }
        for (flag, value) in [("--max-connections", maxConnections), ("--max-pending", maxPending),
                              ("--max-rooms-per-user", maxRoomsPerUser), ("--max-rooms", maxRooms)] where value < 0 {
            throw ValidationError("\(flag) must be 0 or more, not \(value)")
        }
        guard maxConnectionsPerAddress >= 0 else { throw ValidationError("--max-connections-per-address must be 0 or more") }
        guard registrationTimeout >= 0 else { throw ValidationError("--registration-timeout must be 0 or more") }
        _ = try parsedExemptAddresses()
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must be 0 or more") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or more") }
        guard rateBurst >= 1 else { throw ValidationError("--rate-burst must be at least 1, not \(rateBurst)") }
        guard statsInterval >= 0 else { throw ValidationError("--stats-interval must be 0 or more") }
        guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be 0 to 65535, not \(metricsPort)") }
        for (flag, value) in [("--classic-port", classicPort), ("--nickname-port", nicknamePort), ("--telnet-port", telnetPort)] {
            guard let value, !(0...65535).contains(value) else { continue }
            throw ValidationError("\(flag) must be 0 to 65535, not \(value)")
        }
        if let tlsPort {
            guard (0...65535).contains(tlsPort) else { throw ValidationError("--tls-port must be 0 to 65535, not \(tlsPort)") }
            guard tlsCert != nil, tlsKey != nil else { throw ValidationError("--tls-port needs --tls-cert and --tls-key") }
        } else if tlsCert != nil || tlsKey != nil {
            throw ValidationError("--tls-cert and --tls-key need --tls-port")
        }
        guard tlsHandshakeTimeout > 0 else { throw ValidationError("--tls-handshake-timeout must be more than 0") }
        guard ChatName(dialectRoom) != nil else {
            throw ValidationError("--dialect-room must be 1 to 32 of A-Z a-z 0-9 _ - ., not \(dialectRoom.debugDescription)")
        }
        guard quietGap > 0, quietGap <= 10 else { throw ValidationError("--quiet-gap must be more than 0 and at most 10 seconds") }
        _ = try parsedRedis()
        guard !cluster.isEmpty, cluster.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
            throw ValidationError("--cluster must be letters, digits, _ - or ., not \(cluster.debugDescription)")
        }
        guard (0...1024).contains(loops) else { throw ValidationError("--loops must be 0 to 1024, not \(loops)") }
        guard nodeTimeout >= 1 else { throw ValidationError("--node-timeout must be at least 1 second") }
        guard redisTimeout > 0 else { throw ValidationError("--redis-timeout must be more than 0") }
    }

    /// `--redis` as an endpoint; nil when off.
    func parsedRedis() throws -> RedisEndpoint? {
        guard let redis, !redis.isEmpty else { return nil }
        do {
            return try RedisEndpoint(url: redis)
        } catch {
            throw ValidationError("--redis: \(error)")
        }
    }

    /// `--exempt-addresses` as ranges: `none` or an empty value is none.
    func parsedExemptAddresses() throws -> [AddressRange] {
        let blocks = exemptAddresses.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        guard blocks != ["none"] else { return [] }
        return try blocks.map { block in
            guard let range = AddressRange(block) else {
                throw ValidationError("--exempt-addresses: \(block.debugDescription) is not an address or CIDR block")
            }
            return range
        }
    }

    func run() throws {
        ChatLogHandler.bootstrap(format: logFormat, level: logLevel)
        let logger = Logger(label: "chat-server")
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxLine = maxLine
        configuration.history = history
        configuration.drainTimeout = drainTimeout
        configuration.maxConnections = maxConnections == 0 ? nil : maxConnections
        configuration.idleTimeout = idleTimeout == 0 ? nil : idleTimeout
        configuration.maxPending = maxPending == 0 ? nil : maxPending
        configuration.maxConnectionsPerAddress = maxConnectionsPerAddress == 0 ? nil : maxConnectionsPerAddress
        configuration.exemptAddresses = try parsedExemptAddresses()
        configuration.registrationTimeout = registrationTimeout == 0 ? nil : registrationTimeout
        configuration.limits.rateLimit = rateLimit == 0 ? nil : rateLimit
        configuration.limits.rateBurst = rateBurst
        configuration.limits.maxRoomsPerUser = maxRoomsPerUser == 0 ? nil : maxRoomsPerUser
        configuration.limits.maxRooms = maxRooms == 0 ? nil : maxRooms
        configuration.limits.resumeMax = resumeMax
        configuration.statsInterval = statsInterval
        configuration.metricsPort = metricsPort == 0 ? nil : metricsPort
        configuration.webSocketOrigins = wsOrigins.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        configuration.tlsPort = tlsPort
        configuration.tlsCertificate = tlsCert
        configuration.tlsKey = tlsKey
        configuration.tlsHandshakeTimeout = tlsHandshakeTimeout
        configuration.dialectPorts[.classic] = classicPort
        configuration.dialectPorts[.nickname] = nicknamePort
        configuration.dialectPorts[.telnet] = telnetPort
        configuration.dialectRoom = dialectRoom
        configuration.quietGap = quietGap
        configuration.loops = loops == 0 ? AvailableCPUs.count() : loops
        if store == .sqlite {
            var settings = StoreSettings(directory: dataDir)
            settings.historyKeep = historyKeep
            settings.historyDays = historyDays
            settings.syncMilliseconds = max(1, Int((storeSync * 1000).rounded()))
            settings.maxBacklogBytes = storeBacklog
            configuration.store = settings
        }
        if let endpoint = try parsedRedis() {
            // Each room's log in Redis keeps what a resume may replay.
            configuration.cluster = ClusterConfiguration(
                redis: endpoint, name: cluster, nodeTimeout: nodeTimeout, redisTimeout: redisTimeout,
                historyLimit: history, maxRooms: configuration.limits.maxRooms, catchUpWindow: max(1000, resumeMax))
            // Redis is the cluster's store: a room's record outlives its last member.
            configuration.cluster?.keepsRecords = store == .sqlite
            configuration.cluster?.historyKeep = historyKeep
        }
        do {
            try ChatServer.serve(configuration: configuration, logger: logger)
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let environment = currentEnvironment()
        // `probe` is dispatched by hand rather than as an ArgumentParser subcommand, so that
        // `chat-server --help` stays the server's own help and its flags need no `serve`.
        if arguments.first == "probe" {
            arguments.removeFirst()
            var probeEnvironment = environment
            probeEnvironment["CHAT_HOST"] = environment["CHAT_PROBE_HOST"]
            ProbeCommand.main(EnvironmentDefaults.merge(arguments: arguments, flags: ["--host", "--port"],
                                                        environment: probeEnvironment))
            return
        }
        main(EnvironmentDefaults.merge(arguments: arguments, flags: environmentFlags, environment: environment))
    }

    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}

/// `--store`.
enum StoreKind: String, ExpressibleByArgument, CaseIterable {
    case sqlite
    case memory
}
