import LibeventKit

/// One load run's settings.
public struct LoadConfiguration: Sendable {
    /// The chat-server nodes to load, in order: user N goes to target N modulo their count
    /// (``LoadTarget/index(ofUser:targets:)``). Several make sense only when they serve one chat.
    public var targets = [LoadTarget(host: "127.0.0.1", port: 7420)]
    /// How the users' connections carry the protocol: TCP, TLS, WebSocket, WebSocket over TLS.
    public var transport = LoadTransport.tcp
    /// The chat protocol's version each user speaks: 2 says `hello,2` first, takes room
    /// messages as `msg` lines and checks their ids (a gap is a loss, a repeat a duplicate).
    public var protocolVersion = 1
    /// `--reconnect-every`: seconds around which each checked user drops its connection and
    /// comes back resuming its room (protocol 2, room mode); 0 never.
    public var reconnectEvery = 0.0
    /// Simulated users, one connection each.
    public var users = 1000
    /// Seconds over which connections are opened; 0 opens them all at once.
    public var rampUp = 0.0
    /// Seconds of sending, once every user is ready.
    public var duration = 10.0
    /// Messages per second per user; 0 sends as fast as the server takes them (within ``window``).
    public var rate = 0.0
    public var mode = LoadMode.direct
    /// Rooms the users are spread over in room and mixed mode.
    public var rooms = 10
    /// Other users each user chats with in direct and mixed mode.
    public var friends = 10
    /// Each user fetches `list` once after registering, as the classic client does.
    public var listFriends = false
    /// Seeds friend choice and message targets, so runs repeat.
    public var seed: UInt64 = 1
    /// Messages a user may have sent that the server has not yet confirmed (by `pong`), and
    /// messages' worth of its deliveries that may not yet have reached their receivers
    /// (``LoadGenerator/mayPost(_:)``).
    public var window = 64
    /// Seconds to wait for every user to connect and register before sending anyway.
    public var setupTimeout = 30.0
    /// After sending stops, the drain waits while deliveries still arrive: it ends once all
    /// have, or once none has for `drainIdle` seconds (what is missing then is lost), or at
    /// `drainTimeout` seconds, a safety net for a server that trickles forever.
    public var drainIdle = 1.0
    public var drainTimeout = 60.0
    /// Local 127.0.0.x addresses to connect from (loopback targets only, shared by them); 0 picks enough for `users`.
    public var sourceAddresses = 0
    /// Quit-and-reconnect cycles per second while the others send. With a churn rate, every
    /// fifth user is a churner: it never sends, goes unchecked, and cycles again and again.
    public var churn = 0.0
    /// Users (the last indices) that stop reading once ready and never send: slow readers
    /// the server must drop without slowing the others.
    public var stuckReaders = 0
    /// Seconds between progress lines; 0 turns them off.
    public var progressInterval = 1.0
    /// Event loops, each on a thread of its own with its share of the users (user `i` on
    /// thread `i % threads`); 1 runs every user on the calling thread's one loop, 0 runs one
    /// thread per CPU this process may use. Never more threads than users (``threadCount``).
    public var threads = 1

    public init() {}

    /// The threads a run uses: `threads`, with 0 the CPUs this process may use (its affinity
    /// and cgroup quota), and at most one per user.
    public var threadCount: Int {
        max(1, min(users, threads == 0 ? AvailableCPUs.count() : threads))
    }
}
