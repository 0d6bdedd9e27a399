import ChatCore
import LibeventKit
import Synchronization

/// What joins the event loops of one process (`--loops`): the shared chat (``HubState``) under
/// one lock, and a doorbell per loop. Each loop is a ``HubWorld`` over it.
///
/// A loop takes the lock once per step: a pass's room and direct messages go as one step,
/// and a command that changes names or memberships goes at once, after them. The steps'
/// order is the chat's one order: each room's messages are numbered in it, and every loop
/// hears everything in it (``commit(from:_:)``).
public final class LoopHub: Sendable {
    private let state: Locked<HubState>
    /// Rung when a loop's inbox stops being empty: the loop wakes once for a batch.
    let doorbells: [Doorbell]
    private let backlogged = Atomic<Bool>(false)
    /// Where rooms' messages are kept beyond memory; nil with `--store memory`.
    let archive: (any RoomArchive)?

    /// - Parameters:
    ///   - loops: how many loops share it.
    ///   - historyLimit: how many messages each room keeps (`--history`, or `--resume-max` if more).
    ///   - maxRooms: `--max-rooms`, over every loop.
    ///   - maxQueuedBytes: how far (roughly, in bytes of what it must hear) a loop may fall
    ///     behind the others before their room and direct messages are refused `unavailable`.
    ///   - archive: where rooms' messages are kept beyond memory (nil: `--store memory`).
    public init(loops: Int, historyLimit: Int, maxRooms: Int?, maxQueuedBytes: Int = 32 << 20, archive: (any RoomArchive)? = nil) {
        self.archive = archive
        state = Locked(HubState(loopCount: loops, historyLimit: historyLimit, maxRooms: maxRooms, maxQueuedBytes: maxQueuedBytes,
                                archive: archive))
        doorbells = (0..<loops).map { _ in Doorbell() }
    }

    /// Rooms with members on any loop.
    public var roomCount: Int { state.withLock { $0.rooms.count } }

    /// Some loop has more than its bound waiting in its inbox: messages are refused until it
    /// has taken them. Read without the lock on every message; set and cleared under it.
    var isBacklogged: Bool { backlogged.load(ordering: .relaxed) }

    /// Takes one step for `loop`, under the lock: first everything posted to `loop` so far
    /// (which the loop's sessions must hear before the step's own effects, to hear the hub's
    /// order), then `step`. Loops the step posted to are rung after the lock is let go.
    func commit<Result>(from loop: Int, _ step: (inout HubState) -> Result) -> (earlier: [HubDelivery], result: Result) {
        let (earlier, result, ring) = state.withLock { state in
            let earlier = state.take(for: loop)
            let result = step(&state)
            let ring = state.toRing
            state.toRing.removeAll(keepingCapacity: true)
            backlogged.store(state.isBacklogged, ordering: .relaxed)
            return (earlier, result, ring)
        }
        for other in ring { doorbells[other].ring() }
        return (earlier, result)
    }

    /// Everything posted to `loop` so far, oldest first.
    func take(for loop: Int) -> [HubDelivery] {
        state.withLock { state in
            let taken = state.take(for: loop)
            if !taken.isEmpty { backlogged.store(state.isBacklogged, ordering: .relaxed) }
            return taken
        }
    }
}
