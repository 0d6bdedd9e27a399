import LibeventKit
import Synchronization

/// The server-wide connection limits: open connections for `--max-connections`, and open
/// connections by peer address for `--max-connections-per-address`. One for the process,
/// whatever the number of loops: the loop that accepts takes a place, and a connection gives
/// its places back on whichever loop serves it.
final class Admission: Sendable {
    /// Open connections over every loop.
    let connections = Atomic<Int>(0)
    private let byAddress = Locked<[[UInt8]: Int]>([:])

    /// Takes one connection place unless `limit` are taken.
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
