import ChatCore
import LibeventKit

/// A loop's connection to its process's ``LoopHub``: the same commands and replies as a
/// ``RedisConnection``, carried through memory. Commands run at once on the calling thread
/// under the hub's lock; replies and publications come back through this connection's
/// ``HubInbox``, which wakes the loop once for everything posted since it last looked.
///
final class HubConnection: ClusterConnection {
    private let hub: LoopHub
    private let loop: EventLoop
    private let inbox: HubInbox
    private let port: HubLoopPort
    private var id: Int?
    private var listener: DoorbellListener?
    private var handlers: [ReplyHandler] = []
    private var handlersHead = 0
    private(set) var isConnected = false
    var roundTrips: [Double] = []

    var onConnected: (() -> Void)?
    var onLost: ((String) -> Void)?
    var onMessage: ((_ channel: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void)?
    var onSubscribed: ((_ channel: [UInt8]) -> Void)?

    /// `port`: the loop's, shared by the node's connections, which takes what the hub posts
    /// to them in the pass that caused it.
    init(hub: LoopHub, loop: EventLoop, port: HubLoopPort) {
        self.hub = hub
        self.loop = loop
        self.port = port
        inbox = HubInbox(loopToken: port.token)
        port.add(self)
    }

    // The handlers capture the node that owns this connection, which is going first:
    // they are not called from here.
    deinit {
        port.remove(self)
        release(answering: false)
    }

    var pending: Int { handlers.count - handlersHead }
    /// The hub answers at once: a loop never waits on it long enough to call it gone.
    var oldestPendingSince: Double? { nil }

    func connect() -> String? {
        drop()
        id = hub.attach(inbox)
        listener = inbox.doorbell.listen(on: loop) { [unowned self] in self.port.drain() }
        isConnected = true
        // As a network connection would: connected a little later.
        pendingConnect = true
        inbox.doorbell.ring()
        return nil
    }

    private var pendingConnect = false

    func drop() {
        release(answering: true)
    }

    /// Stops listening and leaves the hub; `answering`: pending handlers get nil.
    private func release(answering: Bool) {
        listener = nil
        if let id { hub.detach(id) }
        id = nil
        isConnected = false
        let waiting = handlers[handlersHead...]
        handlers = []
        handlersHead = 0
        if answering { for handler in waiting { handler(nil) } }
    }

    @discardableResult
    func send(_ command: RedisCommand, reply: @escaping ReplyHandler) -> Bool {
        guard let id, isConnected else { return false }
        handlers.append(reply)
        hub.execute(command.arguments, from: id)
        port.drainInThisPass()
        return true
    }

    func subscribe(_ channel: [UInt8]) {
        guard let id else { return }
        hub.subscribe(id, to: channel)
        port.drainInThisPass()
    }

    func unsubscribe(_ channel: [UInt8]) {
        guard let id else { return }
        hub.unsubscribe(id, from: channel)
    }

    func writeNow() {}

    /// Connected, a little later than asked, as a network connection would be.
    func takeConnect() {
        if pendingConnect {
            pendingConnect = false
            onConnected?()
        }
    }

    func takeDeliveries() -> [(order: UInt64, delivery: HubDelivery)] { inbox.takeAll() }

    /// One thing the hub posted, in the loop's merged order (``HubLoopPort/drain()``).
    func handle(_ delivery: HubDelivery) {
        guard isConnected else { return }
        switch delivery {
        case .reply(let value):
            guard handlersHead < handlers.count else { return }
            let handler = handlers[handlersHead]
            handlersHead += 1
            if handlersHead == handlers.count {
                handlers.removeAll(keepingCapacity: true)
                handlersHead = 0
            }
            handler(value)
        case .subscribed(let channel):
            onSubscribed?(channel)
        case .message(let channel, let payload):
            channel.withUnsafeBytes { channel in payload.withUnsafeBytes { onMessage?(channel, $0) } }
        }
    }
}
