import CLibevent
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on the loop. When accept fails for lack of descriptors or
/// memory it pauses and retries shortly, so the loop neither spins nor floods the log.
final class Listener {
    private var listener: OpaquePointer?
    /// Takes each accepted socket; until it is set, accepted sockets are closed.
    var onAccept: (Int32) -> Void = { socket in _ = Glibc.close(socket) }
    private let logger: Logger
    private var retryTimer: EventTimer?
    /// Set from a failed accept until the next successful one, so a long outage logs once.
    private var isFailing = false
    /// The address actually bound (the real port when 0 was asked for).
    let address: SocketAddress
    /// How long accepting pauses after a resource error such as EMFILE.
    static let retryDelay = 0.1

    /// - Parameter startPaused: bound, but accepting only after ``start()`` (the kernel queues
    ///   connections meanwhile).
    init(loop: EventLoop, address requested: SocketAddress, logger: Logger, startPaused: Bool = false) throws(ServerError) {
        self.logger = logger
        let flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED
        let bound = requested.withSockaddr { sockaddr, length in
            evconnlistener_new_bind(loop.base, nil, nil, flags, 4096, sockaddr, Int32(length))
        }
        guard let bound else {
            throw .cannotListen(address: requested.description, reason: String(cString: strerror(errno)))
        }
        listener = bound
        address = SocketAddress(boundTo: evconnlistener_get_fd(bound))
        retryTimer = EventTimer(loop: loop) { [unowned self] in self.resume() }

        let context = Unmanaged.passUnretained(self).toOpaque()
        evconnlistener_set_cb(bound, { _, socket, _, _, context in
            Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().accepted(socket)
        }, context)
        evconnlistener_set_error_cb(bound) { _, context in
            Unmanaged<Listener>.fromOpaque(context!).takeUnretainedValue().acceptFailed(errno: errno)
        }
        if !startPaused { evconnlistener_enable(bound) }
    }

    /// Starts accepting, for a listener made with `startPaused`.
    func start() {
        guard let listener else { return }
        evconnlistener_enable(listener)
    }

    deinit { close() }

    /// Stops accepting and closes the listening socket.
    func close() {
        retryTimer?.cancel()
        if let listener { evconnlistener_free(listener) }
        listener = nil
    }

    private func acceptFailed(errno code: Int32) {
        guard let listener else { return }
        // Any error libevent reports here (EMFILE, ENFILE, ENOBUFS, ENOMEM) would recur at once:
        // pause, log once per pause, and try again shortly.
        evconnlistener_disable(listener)
        if !isFailing {
            isFailing = true
            logger.warning("accept failed, pausing", metadata: [
                "error": "\(String(cString: strerror(code)))", "retry_ms": "\(Int(Self.retryDelay * 1000))",
            ])
        }
        retryTimer?.schedule(after: Self.retryDelay)
    }

    private func resume() {
        guard let listener else { return }
        evconnlistener_enable(listener)
    }

    private func accepted(_ socket: Int32) {
        if isFailing {
            isFailing = false
            logger.info("accepting again")
        }
        onAccept(socket)
    }
}
