import CLibevent
import LibeventKit
import ChatCluster
import ChatCore
import ChatDialects
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Admission: a new connection is refused past `--max-connections` or the per-address limit,
/// in the port's own words; with several loops, loop 0 alone accepts and hands each admitted
/// connection to a loop in turn (``SocketHandoff``), so the limits count in arrival order.
extension ChatServer {
    /// A connection on one of loop 0's ports: admitted or refused under the limits, then served
    /// here or, with `--loops` above 1, handed to the next loop in turn.
    func accept(_ socket: Int32, dialect: Dialect?, tls isTLS: Bool = false) {
        let format = dialect?.formatID ?? .v1
        // Another loop has begun the drain and this one has not heard yet: as a closed listener would.
        if siblings?.isStopping == true { return _ = close(socket) }
        guard admission.admit(limit: configuration.maxConnections) else {
            return refuse(socket, saying: .serverFull, format: format, plain: !isTLS)
        }
        let peer = SocketAddress(peerOf: socket)
        let address = peer.addressBytes
        let counted = configuration.maxConnectionsPerAddress != nil
            && !configuration.exemptAddresses.contains { $0.contains(address) }
        if counted, let limit = configuration.maxConnectionsPerAddress {
            guard admission.admit(address: address, limit: limit) else {
                admission.release()
                return refuse(socket, saying: .tooManyConnections, format: format, plain: !isTLS)
            }
        }
        let accepted = AcceptedSocket(socket: socket, dialect: dialect, isTLS: isTLS, peer: peer,
                                      countedAddress: counted ? address : nil)
        if let siblings {
            let target = nextLoop
            nextLoop = (nextLoop + 1) % siblings.count
            if target != index { return siblings.handoffs[target].post(accepted) }
        }
        adopt(accepted)
    }

    /// Takes what loop 0 handed this loop; while draining, closes it (as a closed listener would).
    func adoptHandedOver() {
        guard let siblings else { return }
        for accepted in siblings.handoffs[index].takeAll() {
            guard state == .running else {
                admission.release()
                if let address = accepted.countedAddress { admission.release(address: address) }
                close(accepted.socket)
                continue
            }
            adopt(accepted)
        }
    }

    /// Serves an admitted connection on this loop.
    func adopt(_ accepted: AcceptedSocket) {
        let (socket, dialect, isTLS, peer) = (accepted.socket, accepted.dialect, accepted.isTLS, accepted.peer)
        let counted = accepted.countedAddress != nil, address = accepted.countedAddress ?? []
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        nextConnectionID += 1
        guard let connection = Connection(socket: socket, id: nextConnectionID, server: self, dialect: dialect, peer: peer,
                                          countedAddress: accepted.countedAddress, tls: isTLS ? tls : nil,
                                          answersHTTP: dialect == nil) else {
            logger.error("cannot make the connection's buffers and events, dropping it")
            admission.release()
            if counted { admission.release(address: address) }
            close(socket)
            return
        }
        connections[connection.id] = connection
        counters.accepted += 1
        logger.debug("connection opened", metadata: ["id": "\(connection.id)", "loop": "\(index)",
                                                     "dialect": "\(dialect?.description ?? "v1")"])
        connection.opened()
    }

    /// One over `--max-connections` or `--max-connections-per-address`: `bye,<reason>` (in the
    /// port's dialect), straight into the new socket's empty send buffer (it always fits), then
    /// closed. On the TLS port it is closed without a word: there is no TLS session to say it in.
    func refuse(_ socket: Int32, saying reason: ByeReason, format: FormatID, plain: Bool) {
        if plain {
            dispatcher.registry.withLines(of: .bye(reason), in: format) {
                _ = Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
        }
        close(socket)
        counters[refused: reason] += 1
        logger.debug("connection refused", metadata: ["reason": "\(reason.rawValue)", "connections": "\(connections.count)"])
    }

    /// Called by a connection just before it closes its socket: a client that sees the end of
    /// its stream finds its place free, on whichever loop its next connection lands.
    func releasePlaces(of connection: Connection) {
        admission.release()
        if let address = connection.countedAddress { admission.release(address: address) }
    }
}
