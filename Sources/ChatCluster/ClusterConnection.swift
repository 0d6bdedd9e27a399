/// What a ``ClusterNode`` needs of a connection to the shared state: Redis over the network
/// (``RedisConnection``), or the process's own loops' hub (``HubConnection``), which answers
/// the same commands in memory. Replies come in command order; publications to subscribed
/// channels come as they are published.
protocol ClusterConnection: AnyObject {
    /// Called with the reply, or nil when the connection went before it came.
    typealias ReplyHandler = (RedisReply?) -> Void

    var isConnected: Bool { get }
    /// Commands awaiting replies.
    var pending: Int { get }
    /// When the oldest command awaiting its reply was sent (monotonic seconds).
    var oldestPendingSince: Double? { get }
    /// Round trips measured since the owner last took them, in seconds.
    var roundTrips: [Double] { get set }

    var onConnected: (() -> Void)? { get set }
    var onLost: ((String) -> Void)? { get set }
    var onMessage: ((_ channel: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void)? { get set }
    var onSubscribed: ((_ channel: [UInt8]) -> Void)? { get set }

    /// Starts connecting; a reason when it could not even start.
    func connect() -> String?
    /// Closes now; pending handlers are called with nil, and `onLost` is not.
    func drop()
    /// Sends a command; false (the handler not called) when not connected.
    @discardableResult
    func send(_ command: RedisCommand, reply: @escaping ReplyHandler) -> Bool
    func subscribe(_ channel: [UInt8])
    func unsubscribe(_ channel: [UInt8])
    /// Writes what is queued now, at the end of a loop pass.
    func writeNow()
}
