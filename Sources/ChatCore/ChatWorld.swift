/// What the dispatcher asks of the world beyond the sessions it serves: the one seam between
/// each command's rules, which the dispatcher checks once, and where the chat's shared state
/// lives.
///
/// Three worlds answer it:
/// - ``LocalWorld``: one loop's ``Registry`` is the whole chat, and every answer comes at once,
///   inside the call.
/// - A loop of several in one process (`ChatCluster.HubWorld`): the registry is the loop's local
///   view (its own sessions, and the rooms they are in) and the rest (names, rooms, memberships,
///   history) is in the process's hub, shared under a lock. Its answers come at once too (a
///   direct message's at the end of the loop pass).
/// - A node of a Redis cluster (`ChatCluster.ClusterNode`): the same local view, the rest in
///   Redis. Its answers come later, on the node's own thread.
///
/// Answers come through the closures passed in, which may run before the call returns. The
/// dispatcher holds the asking session's further lines until then (or, for `chat`, only its
/// further replies), so replies stay in command order whoever answers.
///
/// Every room event reaches local members through the world (which calls back into the
/// registry's fan-out, its own messages included), so each member sees a room's messages in
/// the one order the world gave them.
public protocol ChatWorld: AnyObject {
    /// False while the node cannot reach the cluster: what needs it is answered
    /// `error,unavailable` at once.
    var isAvailable: Bool { get }

    /// Claims `name` for `session` cluster-wide, if nobody holds it.
    func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void)
    /// Moves `session`'s claim from `old` to `new` and tells its rooms' members.
    func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void)
    /// Every user of the cluster; nil when unavailable.
    func userNames(then done: @escaping ([ChatName]?) -> Void)
    /// Every room of the cluster; nil when unavailable.
    func roomNames(then done: @escaping ([ChatName]?) -> Void)
    /// The members of `room` on every node.
    func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void)
    /// A direct message to `name` on whichever node holds it (`refused`: nobody does).
    func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
              then done: @escaping (ClusterReply) -> Void)
    /// Adds `session` (registered as `name`) to `room`; `done` runs when the session may
    /// join the node's local room: from then on it receives the room's messages. The answer's
    /// history is the latest `keep` messages the world kept (fewer where it has fewer), or, for
    /// a resume (`replay`) in the record's epoch, no more of them than come after its id.
    func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void)
    /// The room's record for protocol v2's `history` `query`: its latest `keep` messages, or
    /// (a world that reads an archive) those of them the query can want.
    func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void)
    /// Publishes a room message from `session` (registered as `sender`), a member of the local
    /// `room`; false when it cannot (unavailable, or the node's queue to the cluster is full).
    /// No answer: a node sends its messages in batches.
    func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64, text: UnsafeRawBufferPointer) -> Bool
    /// `name` left `room`, and the local room knows; the node's local room is `localRoom`,
    /// nil once it has emptied. `done` runs once the cluster has taken it (or could not).
    func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void)
    /// Hands over what the world holds for this loop's sessions, before the dispatcher takes
    /// one out of its rooms (a leave, a session's end): a world that batches a loop pass's
    /// messages numbers them and writes them out, so the leaver still hears them (its own
    /// message back included). Nothing to do for a world that answers every message at once.
    func deliverPending()
    /// `name` is gone (quit, closed, shut down): its claim and memberships go, and its rooms'
    /// members hear `quit`. `rooms` are the local rooms it was in, which no longer hold it (an
    /// empty one has gone with it). `notify` false: the process is stopping, and a world whose
    /// every node stops with it (one loop, the loops of this process) need tell nobody; a
    /// cluster with nodes elsewhere still tells them.
    func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room])
}

/// How the cluster answered a command that has one outcome besides success.
public enum ClusterReply: Sendable {
    case done
    /// The name is taken (`claim`, `rename`), or nobody has it (`chat`).
    case refused
    case unavailable
}

/// How the cluster answered a `join`.
public enum ClusterJoin {
    /// `room` as its creator spelled it, its members on every node (the joiner included),
    /// its record's epoch and last message id, its history, oldest first, and the messages
    /// said after that history but before the joiner could be added to the local room,
    /// which it is told as `say` lines.
    case joined(room: ChatName, members: Int, epoch: RoomEpoch, lastID: Int64, history: [History.Entry],
                recent: [History.Entry])
    /// `--max-rooms` rooms exist in the cluster.
    case roomsFull
    case unavailable
}

/// How the world answered for a room's record.
public enum ClusterRecord {
    /// `room` as its creator spelled it, its epoch and last id, and its latest messages kept,
    /// oldest first.
    case record(room: ChatName, epoch: RoomEpoch, lastID: Int64, entries: [History.Entry])
    /// No such room, or nothing was ever said there.
    case noSuchRoom
    case unavailable
}

/// How the cluster answered a `who`.
public enum ClusterMembers {
    /// `room` as its creator spelled it, and its members on every node.
    case members(room: ChatName, names: [ChatName])
    case noSuchRoom
    case unavailable
}
