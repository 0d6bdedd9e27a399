import CHiredis
import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

/// One connection to Redis on the node's own event base: hiredis's asynchronous API on two
/// libevent events, so nothing blocks the loop and no thread is added.
///
/// The events are this type's own rather than hiredis's libevent adapter
/// (`adapters/libevent.h`), which reads once per readable event: hiredis reads at most
/// 16 KiB a call, so a subscriber of a busy cluster (S3 over three nodes: about 600 KB/s
/// per node) that took one read per loop pass fell behind without bound, and its latency
/// grew to seconds. Here a readable socket is read until it is empty (or 1 MiB has gone).
///
/// hiredis's callbacks find this object through the context's `data` field, an unretained
/// pointer: the owner keeps the connection alive while it has a context, and ``drop()`` (or
/// hiredis itself, after a failed connect or a lost connection) frees the context first.
/// A command's own callback carries its reply handler retained until hiredis calls it,
/// which it does exactly once: with the reply, or with none when the connection goes.
///
/// Replies come in command order; publications to subscribed channels as they are published.
final class RedisConnection {
    /// Called with the reply, or nil when the connection went before it came.
    typealias ReplyHandler = (RedisReply?) -> Void

    private let base: OpaquePointer
    private let endpoint: RedisEndpoint
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    /// The socket's events, made at connect and freed by hiredis's cleanup hook.
    private var readEvent: OpaquePointer?
    private var writeEvent: OpaquePointer?
    /// Connected (the TCP connection is up; the owner then authenticates).
    private(set) var isConnected = false
    /// What this connection is for, in log lines.
    let role: String

    /// The TCP connection is up.
    var onConnected: (() -> Void)?
    /// The connection failed or went: every pending reply handler has been called with nil.
    var onLost: ((String) -> Void)?
    /// A published message on a subscribed channel; the bytes are valid during the call.
    var onMessage: ((_ channel: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void)?
    /// A subscription is in place.
    var onSubscribed: ((_ channel: [UInt8]) -> Void)?

    /// When each command awaiting its reply was sent (monotonic seconds), oldest first:
    /// replies come in command order.
    private var sentAt: [Double] = []
    private var sentHead = 0
    /// Round trips measured since the owner last took them, in seconds (at most `maxRoundTrips`).
    var roundTrips: [Double] = []
    static let maxRoundTrips = 100_000

    init(base: OpaquePointer, endpoint: RedisEndpoint, role: String) {
        self.base = base
        self.endpoint = endpoint
        self.role = role
    }

    deinit { drop() }

    /// The number of commands awaiting replies.
    var pending: Int { sentAt.count - sentHead }
    /// When the oldest command awaiting its reply was sent.
    var oldestPendingSince: Double? { sentHead < sentAt.count ? sentAt[sentHead] : nil }

    /// Starts connecting; a reason (with `onLost` not called) when hiredis could not even start.
    func connect() -> String? {
        drop()
        guard let context = redisAsyncConnect(endpoint.host, Int32(endpoint.port)) else { return "out of memory" }
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            redisAsyncFree(context)
            return reason
        }
        context.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        attach(context)
        redisAsyncSetConnectCallback(context, Self.connected)
        redisAsyncSetDisconnectCallback(context, Self.disconnected)
        self.context = context
        return nil
    }

    /// Closes the connection now; pending handlers are called with nil, and `onLost` is not.
    func drop() {
        guard let context else { return }
        self.context = nil
        let wasConnected = isConnected
        isConnected = false
        context.pointee.data = nil  // the callbacks below see no owner to tell
        redisAsyncFree(context)
        if wasConnected { clearPending() }
    }

    /// Sends a command; false (the handler not called) when not connected.
    @discardableResult
    func send(_ command: RedisCommand, reply: @escaping ReplyHandler) -> Bool {
        guard let context, isConnected else { return false }
        let box = Unmanaged.passRetained(ReplyBox(reply, connection: self)).toOpaque()
        let status = command.withArguments { count, arguments, lengths in
            redisAsyncCommandArgv(context, Self.replied, box, count, arguments, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<ReplyBox>.fromOpaque(box).release()
            return false
        }
        sentAt.append(UnixClock.monotonicSeconds())
        return true
    }

    /// Writes what is queued now rather than at the next pass's write event: the end of a
    /// pass sends its batches at once, a loop pass sooner.
    func writeNow() {
        guard let context, isConnected else { return }
        redisAsyncHandleWrite(context)
    }

    /// Subscribes to `channel`: its messages come to `onMessage`, and `onSubscribed` says when it is in place.
    func subscribe(_ channel: [UInt8]) {
        subscription("SUBSCRIBE", channel)
    }

    func unsubscribe(_ channel: [UInt8]) {
        subscription("UNSUBSCRIBE", channel)
    }

    private func subscription(_ verb: String, _ channel: [UInt8]) {
        guard let context, isConnected else { return }
        var command = RedisCommand(verb)
        command.add(channel)
        _ = command.withArguments { count, arguments, lengths in
            redisAsyncCommandArgv(context, Self.published, Unmanaged.passUnretained(self).toOpaque(), count, arguments, lengths)
        }
    }

    private func replyCame() {
        guard sentHead < sentAt.count else { return }
        if roundTrips.count < Self.maxRoundTrips { roundTrips.append(UnixClock.monotonicSeconds() - sentAt[sentHead]) }
        sentHead += 1
        if sentHead > 1024 && sentHead * 2 > sentAt.count {
            sentAt.removeFirst(sentHead)
            sentHead = 0
        }
    }

    private func clearPending() {
        sentAt.removeAll(keepingCapacity: true)
        sentHead = 0
    }

    private static func errorText(_ context: UnsafePointer<redisAsyncContext>) -> String {
        guard let text = context.pointee.errstr else { return "error \(context.pointee.err)" }
        return String(cString: text)
    }

    private static func owner(_ context: UnsafePointer<redisAsyncContext>?) -> RedisConnection? {
        guard let data = context?.pointee.data else { return nil }
        return Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    }

    // MARK: The events hiredis asks for

    /// hiredis's event hooks, with this connection (unretained, as `data`) as their argument.
    private func attach(_ context: UnsafeMutablePointer<redisAsyncContext>) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        let socket = context.pointee.c.fd
        readEvent = event_new(base, socket, Int16(EV_READ), Self.readable, me)
        writeEvent = event_new(base, socket, Int16(EV_WRITE), Self.writable, me)
        context.pointee.ev.data = me
        context.pointee.ev.addRead = { data in event_add(RedisConnection.hooked(data).readEvent, nil) }
        context.pointee.ev.delRead = { data in event_del(RedisConnection.hooked(data).readEvent) }
        context.pointee.ev.addWrite = { data in event_add(RedisConnection.hooked(data).writeEvent, nil) }
        context.pointee.ev.delWrite = { data in event_del(RedisConnection.hooked(data).writeEvent) }
        context.pointee.ev.cleanup = { data in RedisConnection.hooked(data).freeEvents() }
        // As hiredis's adapter does: the write event reports the end of the connect.
        event_add(readEvent, nil)
        event_add(writeEvent, nil)
    }

    private func freeEvents() {
        if let readEvent { event_free(readEvent) }
        if let writeEvent { event_free(writeEvent) }
        readEvent = nil
        writeEvent = nil
    }

    private static func hooked(_ data: UnsafeMutableRawPointer?) -> RedisConnection {
        Unmanaged<RedisConnection>.fromOpaque(data!).takeUnretainedValue()
    }

    /// Reads until the socket is empty, at most 64 of hiredis's 16 KiB reads; stops when a
    /// callback dropped the connection (its context is gone then).
    private static let readable: event_callback_fn = { socket, _, data in
        let connection = hooked(data)
        var peek: UInt8 = 0
        for _ in 0..<64 {
            guard let context = connection.context else { return }
            redisAsyncHandleRead(context)
            guard connection.context != nil, recv(socket, &peek, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0 else { return }
        }
    }

    private static let writable: event_callback_fn = { _, _, data in
        guard let context = hooked(data).context else { return }
        redisAsyncHandleWrite(context)
    }

    // MARK: hiredis's callbacks

    private static let connected: @convention(c) (UnsafePointer<redisAsyncContext>?, Int32) -> Void = { context, status in
        guard let connection = owner(context) else { return }
        if status == REDIS_OK {
            connection.isConnected = true
            connection.onConnected?()
        } else {
            let reason = errorText(context!)
            connection.context = nil  // hiredis frees it after this callback
            connection.onLost?(reason)
        }
    }

    private static let disconnected: @convention(c) (UnsafePointer<redisAsyncContext>?, Int32) -> Void = { context, status in
        guard let connection = owner(context) else { return }
        let reason = status == REDIS_OK ? "closed" : errorText(context!)
        connection.context = nil  // hiredis frees it after this callback
        connection.isConnected = false
        connection.clearPending()
        connection.onLost?(reason)
    }

    private static let replied: @convention(c) (UnsafeMutablePointer<redisAsyncContext>?, UnsafeMutableRawPointer?,
                                                UnsafeMutableRawPointer?) -> Void = { _, reply, box in
        let handler = Unmanaged<ReplyBox>.fromOpaque(box!).takeRetainedValue()
        // Freed from deinit (the connection's weak reference is gone then): the handlers
        // capture the node that owns the connection, which is going first; not called.
        guard handler.connection != nil else { return }
        guard let reply else { return handler.handler(nil) }
        handler.connection?.replyCame()
        handler.handler(RedisReply(reply.assumingMemoryBound(to: redisReply.self)))
    }

    private static let published: @convention(c) (UnsafeMutablePointer<redisAsyncContext>?, UnsafeMutableRawPointer?,
                                                  UnsafeMutableRawPointer?) -> Void = { context, reply, _ in
        guard let reply, let connection = owner(context) else { return }
        let message = reply.assumingMemoryBound(to: redisReply.self).pointee
        guard message.type == REDIS_REPLY_ARRAY, message.elements >= 3 else { return }
        func bytes(_ index: Int) -> UnsafeRawBufferPointer {
            let element = message.element[index]!.pointee
            return UnsafeRawBufferPointer(start: element.str, count: Int(element.len))
        }
        let kind = bytes(0)
        if kind.elementsEqual("message".utf8) {
            connection.onMessage?(bytes(1), bytes(2))
        } else if kind.elementsEqual("subscribe".utf8) {
            connection.onSubscribed?(Array(bytes(1)))
        }
    }
}

/// A command's reply handler, retained from the send to hiredis's one call.
private final class ReplyBox {
    let handler: RedisConnection.ReplyHandler
    weak var connection: RedisConnection?

    init(_ handler: @escaping RedisConnection.ReplyHandler, connection: RedisConnection) {
        self.handler = handler
        self.connection = connection
    }
}
