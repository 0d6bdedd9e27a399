/// A kept room as its archive knows it: enough to go on numbering its messages after its
/// last member left, or after a restart.
public struct ArchivedRoom: Sendable, Equatable {
    /// As its creator spelled it.
    public var name: ChatName
    public var epoch: RoomEpoch
    /// The id of its last message.
    public var lastID: Int64

    public init(name: ChatName, epoch: RoomEpoch, lastID: Int64) {
        self.name = name
        self.epoch = epoch
        self.lastID = lastID
    }
}

/// Where rooms' messages outlive their members and the process (protocol v2's durable
/// history): the embedded store (`ChatStore.SQLiteArchive`). A world with one keeps every
/// message said in it, and creates a room it no longer holds in memory from the archive's
/// record (its epoch, its last id, its latest messages), so ids go on without reuse.
///
/// Shared by every loop of a process: each method may be called from any thread.
public protocol RoomArchive: AnyObject, Sendable {
    /// The kept record of the room whose folded name is `folded`; nil when there is none. In
    /// memory: cheap enough for a world to ask on every room it creates.
    func room(_ folded: ChatName) -> ArchivedRoom?
    /// True while the archive's backlog of messages not yet written is at its bound: new
    /// messages are refused (`error,unavailable`) until the writer has caught up.
    var isBacklogged: Bool { get }
    /// Keeps a run of `room`'s messages (`room` as spelled; `epoch` the record's). Runs of one
    /// room come in id order. Written to disk later, off the caller's thread.
    func keep(_ run: RoomChunk, in room: ChatName, epoch: RoomEpoch)
    /// The kept messages of the room (folded) that `read` asks for, oldest first: those not
    /// yet written included. May read the disk.
    func entries(of folded: ChatName, _ read: RecordRead) -> [History.Entry]
}
