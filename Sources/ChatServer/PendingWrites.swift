import ChatCore
import LibeventKit

/// The connections given output during this loop pass, each written with one `writev` once
/// the pass's callbacks are done, after the registry's pass batch has been written to them.
///
/// A write event (a bufferevent's too) writes in its callback, which runs in the next pass:
/// one pass of latency, and an `epoll_ctl` to add the event and another to delete it, for
/// each connection that received anything. Writing at the end of the pass, as the C
/// reference does, costs one system call per connection per pass and nothing else; a
/// connection whose socket is full leaves the rest to its write event until the kernel takes it.
final class PendingWrites {
    /// Strong references: a connection closed and dropped from the server's table during
    /// the pass stays allocated until the flush has skipped it.
    private var due: [Connection] = []
    private var flushing: [Connection] = []
    private var timer: EventTimer?
    /// The end of the pass is on the loop's queue: however many connections are added and
    /// batches opened, the pass ends once.
    private var armed = false
    private unowned let registry: Registry

    init(loop: EventLoop, registry: Registry) {
        self.registry = registry
        timer = EventTimer(loop: loop) { [unowned self] in self.flush() }
        registry.onPassBatchOpened = { [unowned self] in self.arm() }
    }

    /// Writes `connection`'s output at the end of this pass. Called once per connection per pass.
    func add(_ connection: Connection) {
        arm()
        due.append(connection)
    }

    private func arm() {
        guard !armed else { return }
        armed = true
        timer?.fireInThisPass()
    }

    private func flush() {
        // What the batch writes to connections joins this flush rather than arming another.
        registry.endPass()
        armed = false
        swap(&due, &flushing)
        for connection in flushing { connection.writeQueuedOutput() }
        flushing.removeAll(keepingCapacity: true)
    }
}
