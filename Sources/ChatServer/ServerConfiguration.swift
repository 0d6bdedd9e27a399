import ChatCluster
import ChatCore
import ChatDialects
import ChatStore
import LibeventKit

/// Everything the server needs to know at start, with protocol v1's defaults.
public struct ServerConfiguration: Sendable {
    /// The default TCP port: registered to no well-known service.
    public static let defaultPort = 7420

    /// The address to listen on: a host name, an IPv4 or an IPv6 literal.
    public var host = "0.0.0.0"
    /// The TCP port; 0 picks a free one (the log line says which).
    public var port = ServerConfiguration.defaultPort
    /// The longest client line, in bytes without LF.
    public var maxLine = 4096
    /// Messages each room keeps for members who join later.
    public var history = 10
    /// How long a shutdown waits for clients to take their last bytes, in seconds.
    public var drainTimeout = 5.0
    /// Connections served at once; one more gets `bye,server-full`. nil: no limit.
    public var maxConnections: Int? = 10_000
    /// Seconds without a byte from a client before `bye,idle-timeout`. nil: no limit.
    public var idleTimeout: Double? = 300
    /// Connections served at once from one address; one more gets `bye,too-many-connections`. nil: no limit.
    public var maxConnectionsPerAddress: Int? = 100
    /// Addresses that ``maxConnectionsPerAddress`` does not count (load tests, a reverse proxy on the host).
    public var exemptAddresses: [AddressRange] = AddressRange.loopback
    /// Seconds a connection may go without registering before `bye,registration-timeout`. nil: no limit.
    public var registrationTimeout: Double? = 30
    /// Output bytes queued for one client before it is dropped with `bye,slow-consumer`. nil: no limit.
    public var maxPending: Int? = 4 << 20
    /// Rate limit and room limits, enforced by the dispatcher.
    public var limits = ChatLimits()
    /// Seconds between throughput log lines; 0 turns them off.
    public var statsInterval = 10.0
    /// The HTTP port for `/metrics` and `/healthz` on ``host``; nil turns them off, 0 picks a free port.
    public var metricsPort: Int?
    /// The TLS port for protocol v1 (and, with WebSocket, the page and `/chat`); nil: off.
    public var tlsPort: Int?
    /// PEM files of the certificate (with its chain) and the private key, for ``tlsPort``.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Seconds a TLS connection may take to finish its handshake.
    public var tlsHandshakeTimeout = 10.0
    /// Origins whose pages may open a WebSocket (`*`: any); empty: only the server's own.
    public var webSocketOrigins: [String] = []
    /// The port of each classic dialect that is on, on ``host``; 0 picks a free port.
    public var dialectPorts: [Dialect: Int] = [:]
    /// The room that chat-room and telnet users are in, shared with v1 users.
    public var dialectRoom = "lobby"
    /// Seconds of quiet after which a classic or chat-room client's bytes without a
    /// newline count as one command (those clients send no newline).
    public var quietGap = 0.025

    /// Event loops, each on its own thread; 1 is one loop, the whole chat on one thread.
    public var loops = 1
    /// The cluster this server is a node of (`--redis`); nil: a single server.
    public var cluster: ClusterConfiguration?
    /// Where rooms' messages are kept beyond memory (`--store sqlite`, the default, in
    /// `--data-dir`); nil: in memory only (`--store memory`). With ``cluster``, Redis keeps
    /// each room's record instead.
    public var store: StoreSettings?

    public init() {}
}
