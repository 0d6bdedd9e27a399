import ChatCore
import LibeventKit

/// What simulated users report back: connections, readiness, deliveries, failures.
extension LoadGenerator {

    func userConnected(_ user: SimulatedUser) {
        guard user.connections == 1 else { return }
        statistics.connected += 1
        statistics.connectedByTarget[user.target] += 1
    }

    func userRegistered(_ user: SimulatedUser) {
        if user.connections == 1 { statistics.registered += 1 }
    }

    func userReady(_ user: SimulatedUser) {
        guard user.connections == 1 else { return }  // back after churning: present, not counted
        statistics.ready += 1
        if let room = user.room, user.isChecked { roomSizes[room] += 1 }
        guard statistics.ready == users.count else { return }
        if let thread {
            // Every user of this thread is ready: the coordinator starts sending once all threads' are.
            setupEndMicros = MonotonicClock.micros()
            publish(to: thread, allReadyNow: true)
        } else {
            startSending(now: MonotonicClock.micros())
        }
    }

    /// A churning user's connection closed after its `quit`: it comes back at once.
    func userQuit(_ user: SimulatedUser) {
        guard phase == .sending || phase == .draining else { return }
        connect(user)
    }

    /// The server shed a stuck reader, as it should.
    func stuckUserDropped(_ user: SimulatedUser) {
        stuckDropped += 1
    }

    func userConfirmed(_ user: SimulatedUser) {
        if phase == .sending && configuration.rate == 0 { fillWindow(user) }
    }

    /// A connection failed or went away. Once every user of one target has failed to connect
    /// the first time, the run stops naming that target: the node is down or refuses, and
    /// waiting out the setup timeout would only hide which one it is.
    func userFailed(_ user: SimulatedUser, whileConnecting: Bool, reason: String) {
        let endpoint = endpoints[user.target]
        lastFailure = reason
        logger.debug(whileConnecting ? "cannot connect" : "disconnected",
                     metadata: ["user": "u\(user.index)", "target": "\(endpoint.target)", "reason": "\(reason)"])
        if whileConnecting {
            statistics.connectFailures += 1
            if user.connections == 1 {
                statistics.connectFailedByTarget[user.target] += 1
                lastFailureByTarget[user.target] = reason
            }
        } else if phase != .done {
            statistics.disconnects += 1
        }
        // With threads, the coordinator decides from every thread's figures (``LoadCoordinator``).
        guard thread == nil else { return }
        if whileConnecting && statistics.connectFailedByTarget[user.target] == targetShares[user.target] {
            abort("cannot connect to \(endpoint.name): \(reason)")
        } else if statistics.connected > 0 && statistics.disconnects >= statistics.connected && phase != .connecting {
            abort("\(endpoints.count > 1 ? "the servers" : "the server") closed every connection (\(reason))")
        }
    }

    /// One message from `sender` arrived for the first time; `now` is when its batch was read.
    func delivered(from sender: Int, sentMicros: UInt64, now: UInt64) {
        statistics.delivered += 1
        statistics.recordLatency(now > sentMicros ? now - sentMicros : 0)
        deliveryBatch.record(sender: sender)
    }

    /// At the end of a read: the deliveries it brought go into this thread's row of the
    /// ledger, where their senders' windows see them at their next pong or tick. (Letting
    /// them send sooner cost S1 deliveries: at once from here, a third, as each write then
    /// carries a message, not a window's worth; at the end of the pass, a tenth.)
    func publishDeliveries() {
        deliveryBatch.publish(to: ledger)
    }

    func serverError(_ code: String) {
        statistics.errors[code, default: 0] += 1
    }

    func unexpectedLine(_ line: UnsafeRawBufferPointer) {
        statistics.errors["unexpected-line", default: 0] += 1
        logger.debug("unexpected line", metadata: ["line": "\(String(decoding: line.prefix(200), as: UTF8.self))"])
    }
}
