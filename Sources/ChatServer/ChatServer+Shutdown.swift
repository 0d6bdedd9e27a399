import CLibevent
import LibeventKit
import ChatCluster
import ChatCore
import ChatDialects
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The drain: on SIGTERM (or SIGINT) every listener closes, every client is told
/// `bye,shutdown` and flushed, and the loop stops once all have gone or `--drain-timeout`
/// has passed; a second signal stops at once.
extension ChatServer {
    /// Stops accepting, says `bye,shutdown` to every client, and stops once all
    /// have drained or the drain timeout has passed. A second call stops at once.
    public func shutdown() {
        switch state {
        case .running:
            state = .draining
        case .draining:
            if index == 0 {
                logger.warning("second stop signal, exiting without waiting", metadata: ["connections": "\(connections.count)"])
                ringSiblings()
            }
            stopAfterSiblings()
            return
        case .initial, .stopped:
            return
        }
        if index == 0 {
            // The others first: from the moment the log says so, no loop serves a new connection.
            ringSiblings()
            logger.info("draining", metadata: ["connections": "\(admission.connections.load(ordering: .relaxed))"])
        }
        listener?.close()
        listener = nil
        for (_, listener) in dialectListeners { listener.close() }
        dialectListeners.removeAll()
        tlsListener?.close()
        tlsListener = nil
        for connection in Array(connections.values) {
            connection.close(saying: .shutdown, notifyRooms: false)
        }
        guard !connections.isEmpty else { return drained() }
        let timer = EventTimer(loop: loop) { [unowned self] in
            self.logger.warning("drain timeout, closing the rest", metadata: ["connections": "\(self.connections.count)"])
            self.stopAfterSiblings()
        }
        timer.schedule(after: configuration.drainTimeout)
        drainTimer = timer
    }

    /// Every connection has gone: a node's users leave the cluster (the others hear `quit`
    /// at once), then the loop stops.
    func drained() {
        hub?.flush()
        guard let cluster else { return stopAfterSiblings() }
        guard !leavingCluster else { return }
        leavingCluster = true
        cluster.leave { [unowned self] in self.stopAfterSiblings() }
    }
}
