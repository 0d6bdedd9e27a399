import CLibevent
import LibeventKit
import ChatCluster
import ChatCore
import ChatDialects
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The listening ports: protocol v1's, the TLS port and one per dialect that is on; with
/// several loops, loop 0's alone.
extension ChatServer {
    static func listen(loop: EventLoop, host: String, port: Int, logger: Logger,
                               paused: Bool) throws(ServerError) -> Listener {
        let address: SocketAddress
        do { address = try SocketAddress(host: host, port: port) } catch { throw .libevent(error) }
        // Loop 0 of several accepts once its node has joined the others (a few passes in).
        return try Listener(loop: loop, address: address, logger: logger, startPaused: paused)
    }

    /// The ports this loop bound, for the other loops to bind too.
    var boundPorts: (chat: Int?, tls: Int?, dialects: [Dialect: Int]) {
        (listener.map { Int($0.address.port) }, tlsListener.map { Int($0.address.port) },
         Dictionary(uniqueKeysWithValues: dialectListeners.map { ($0.dialect, Int($0.listener.address.port)) }))
    }
}
