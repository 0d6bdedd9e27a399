import Synchronization

/// How many of each sender's deliveries have reached their receivers, across every thread of
/// a run: what the end-to-end window (``LoadGenerator/mayPost(_:)``) holds a sender back on.
///
/// A receiving thread owns one row and is its only writer: it adds up its receivers'
/// deliveries per sender in a plain array while it reads (``Batch``), and publishes each
/// sender it heard from once per read, with a relaxed store, not a lock or a read-modify-write
/// per message. A sender reads every thread's entry for itself (one relaxed load per thread)
/// when it decides whether to send: a figure that lags by one read holds it back a little
/// longer, never lets it run ahead.
final class DeliveryLedger: Sendable {
    let senders: Int
    let rows: Int
    // Invariant: `entries` holds `rows * senders` initialized atomics from init to deinit, at
    // one address (an Atomic must not move); entry `row * senders + sender` is stored only by
    // the thread that owns `row`, and loaded by any.
    nonisolated(unsafe) private let entries: UnsafeMutablePointer<Atomic<UInt64>>

    init(senders: Int, rows: Int) {
        self.senders = max(1, senders)
        self.rows = max(1, rows)
        let count = self.senders * self.rows
        entries = .allocate(capacity: count)
        for index in 0..<count { (entries + index).initialize(to: Atomic(0)) }
    }

    deinit {
        entries.deinitialize(count: senders * rows)
        entries.deallocate()
    }

    /// Deliveries of `sender`'s messages that reached any thread's receivers.
    func reached(_ sender: Int) -> UInt64 {
        var total: UInt64 = 0
        for row in 0..<rows { total &+= entries[row * senders + sender].load(ordering: .relaxed) }
        return total
    }

    /// Adds `count` to `sender`'s entry in `row`; only `row`'s thread calls it.
    fileprivate func add(_ count: UInt64, row: Int, sender: Int) {
        let entry = row * senders + sender
        entries[entry].store(entries[entry].load(ordering: .relaxed) &+ count, ordering: .relaxed)
    }

    /// One receiving thread's deliveries since it last published, per sender.
    struct Batch {
        let row: Int
        private var counts: [UInt32]
        private var touched: [Int] = []

        init(row: Int, senders: Int) {
            self.row = row
            counts = Array(repeating: 0, count: max(1, senders))
        }

        /// One first delivery of `sender`'s (below the ledger's `senders`).
        @inline(__always)
        mutating func record(sender: Int) {
            if counts[sender] == 0 { touched.append(sender) }
            counts[sender] &+= 1
        }

        /// Publishes what was recorded into the ledger's row and starts afresh.
        mutating func publish(to ledger: DeliveryLedger) {
            for sender in touched {
                ledger.add(UInt64(counts[sender]), row: row, sender: sender)
                counts[sender] = 0
            }
            touched.removeAll(keepingCapacity: true)
        }
    }
}
