import LibeventKit

/// The connections given output during this loop pass, each written with one `writev` once
/// the pass's callbacks are done.
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

    init(loop: EventLoop) {
        timer = EventTimer(loop: loop) { [unowned self] in self.flush() }
    }

    /// Writes `connection`'s output at the end of this pass. Called once per connection per pass.
    func add(_ connection: Connection) {
        if due.isEmpty { timer?.fireInThisPass() }
        due.append(connection)
    }

    private func flush() {
        swap(&due, &flushing)
        for connection in flushing { connection.writeQueuedOutput() }
        flushing.removeAll(keepingCapacity: true)
    }
}
