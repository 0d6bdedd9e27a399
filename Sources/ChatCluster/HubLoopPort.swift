import LibeventKit

/// One loop's side of the ``LoopHub``: its connections (a node's commands and
/// subscriptions) and what they take in the pass that caused it.
///
/// A command a loop runs on the hub posts, under the hub's lock, its reply and its
/// publications to every subscriber, this loop's connections included. Those are taken
/// later in the same pass, without the doorbell: a room message reaches its sender's
/// own loop's members in the pass it was said in, as with one loop, and other loops are
/// woken for theirs.
final class HubLoopPort {
    /// Marks this loop's inboxes, so the hub posts to them without ringing.
    var token: ObjectIdentifier { ObjectIdentifier(self) }
    /// Unretained: each connection holds its port and takes itself off in its deinit
    /// (where an unowned reference to it could no longer be read), so every one listed is alive.
    private var connections: [Unmanaged<HubConnection>] = []
    private var timer: EventTimer?

    init(loop: EventLoop) {
        timer = EventTimer(loop: loop) { [unowned self] in self.drain() }
    }

    /// What the hub posted to every connection of this loop, in the hub's order: a reply on
    /// the commands connection never overtakes a publication posted before it on the other.
    func drain() {
        let connections = self.connections.map { $0.takeUnretainedValue() }
        for connection in connections { connection.takeConnect() }
        // Each inbox is in the hub's order already, so a merge (not a sort) puts them in it together.
        var inboxes = connections.map { $0.takeDeliveries()[...] }
        while true {
            var next: (index: Int, order: UInt64)?
            for index in inboxes.indices {
                guard let order = inboxes[index].first?.order else { continue }
                if let best = next, best.order < order { continue }
                next = (index, order)
            }
            guard let next, let item = inboxes[next.index].popFirst() else { return }
            connections[next.index].handle(item.delivery)
        }
    }

    func add(_ connection: HubConnection) {
        connections.append(.passUnretained(connection))
    }

    func remove(_ connection: HubConnection) {
        let gone = Unmanaged.passUnretained(connection).toOpaque()
        connections.removeAll { $0.toOpaque() == gone }
    }

    /// Called after each command and subscription: this pass's end takes what they posted.
    func drainInThisPass() {
        timer?.fireInThisPass()
    }
}
