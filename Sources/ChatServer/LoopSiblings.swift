import ChatCluster
import LibeventKit
import Synchronization

/// What the event loops of one `--loops N` process share: the hub that joins their views of
/// the chat, the server-wide connection limits, a doorbell per loop, and each loop's last
/// figures. Touched from every loop's thread; nothing here is on the per-message path
/// (the hub takes whole batches).
final class LoopSiblings: Sendable {
    let count: Int
    /// Joins the loops' registries; nil when the loops are nodes of a Redis cluster instead.
    let hub: LoopHub?
    /// Open connections over every loop, for `--max-connections`.
    let connections = Atomic<Int>(0)
    /// Open connections by peer address over every loop, for `--max-connections-per-address`.
    let byAddress = Locked<[[UInt8]: Int]>([:])
    /// Rings a loop from another thread: loop 0 asks the others to drain on SIGTERM.
    let doorbells: [Doorbell]
    /// Each loop's figures as of its last tick, for the throughput log and `/metrics`.
    let figures: Locked<[ServerStats]>

    init(count: Int, hub: LoopHub?) {
        self.count = count
        self.hub = hub
        doorbells = (0..<count).map { _ in Doorbell() }
        figures = Locked(Array(repeating: ServerStats(), count: count))
    }

    /// Takes one connection slot unless `limit` are taken.
    func admit(limit: Int?) -> Bool {
        guard let limit else {
            connections.add(1, ordering: .relaxed)
            return true
        }
        while true {
            let open = connections.load(ordering: .relaxed)
            guard open < limit else { return false }
            if connections.compareExchange(expected: open, desired: open + 1, ordering: .relaxed).exchanged { return true }
        }
    }

    func release() {
        connections.subtract(1, ordering: .relaxed)
    }

    /// Counts one more connection from `address` unless `limit` are open.
    func admit(address: [UInt8], limit: Int) -> Bool {
        byAddress.withLock { counts in
            guard counts[address, default: 0] < limit else { return false }
            counts[address, default: 0] += 1
            return true
        }
    }

    func release(address: [UInt8]) {
        byAddress.withLock { counts in
            let remaining = counts[address, default: 1] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }
}
