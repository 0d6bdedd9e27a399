import ChatDialects
import LibeventKit

/// A new connection that loop 0 accepted and admitted, on its way to the loop that serves it.
struct AcceptedSocket: Sendable {
    let socket: Int32
    let dialect: Dialect?
    let isTLS: Bool
    let peer: SocketAddress
    /// The peer's address as `--max-connections-per-address` counted it; nil when exempt.
    let countedAddress: [UInt8]?
}

/// One loop's mailbox of accepted sockets (`--loops` above 1), as memcached's listener thread
/// hands connections to its workers: loop 0 alone accepts, so the limits are applied in the
/// order the kernel queued the connections, whatever the number of loops, and posts each
/// admitted socket here; the loop is rung only when the box was empty, and takes everything
/// at once.
final class SocketHandoff: Sendable {
    private let sockets = Locked<[AcceptedSocket]>([])
    /// Rung when the box stops being empty.
    let doorbell = Doorbell()

    func post(_ accepted: AcceptedSocket) {
        let wasEmpty = sockets.withLock { sockets in
            sockets.append(accepted)
            return sockets.count == 1
        }
        if wasEmpty { doorbell.ring() }
    }

    /// Every socket posted so far, oldest first.
    func takeAll() -> [AcceptedSocket] {
        sockets.withLock { sockets in
            defer { sockets.removeAll(keepingCapacity: true) }
            return sockets
        }
    }
}
