/// How a world with an archive answers for a room's record: from the messages it holds in
/// memory where they reach back far enough, else from the archive, which keeps every room's
/// latest `--history-keep` after its last member left and across restarts. One place for the
/// worlds that hold rooms in memory (one loop, the loops' hub).
public enum KeptRecord {
    /// What a world holds in memory of a room's record.
    public struct Held {
        public var name: ChatName
        public var epoch: RoomEpoch
        public var lastID: Int64
        public var history: History

        public init(name: ChatName, epoch: RoomEpoch, lastID: Int64, history: History) {
            self.name = name
            self.epoch = epoch
            self.lastID = lastID
            self.history = history
        }
    }

    /// The answer to a `history` query of the room (folded) with the latest `keep` messages
    /// to choose from (`Replay/latestNeeded(resumeMax:recordLimit:)`); `held`: the world's
    /// room in memory, nil when it holds none.
    public static func answer(_ query: Replay, keep: Int, held: Held?, folded: ChatName,
                              archive: (any RoomArchive)?) -> ClusterRecord {
        guard let archive else {
            guard let held, held.lastID > 0 else { return .noSuchRoom }
            return .record(room: held.name, epoch: held.epoch, lastID: held.lastID, entries: held.history.latest(keep))
        }
        if let held, held.lastID > 0 {
            let read = query.read(lastID: held.lastID, keep: keep)
            let entries = held.history.entries(read) ?? archive.entries(of: folded, read)
            return .record(room: held.name, epoch: held.epoch, lastID: held.lastID, entries: entries)
        }
        guard let kept = archive.room(folded), kept.lastID > 0 else { return .noSuchRoom }
        let entries = archive.entries(of: folded, query.read(lastID: kept.lastID, keep: keep))
        return .record(room: kept.name, epoch: kept.epoch, lastID: kept.lastID, entries: entries)
    }

    /// The latest `keep` messages of a room the world holds: from its ring, or from the
    /// archive while the ring does not reach back that far (a room created again from its
    /// record has only what was said since, and what its first joiner was told).
    public static func latest(_ keep: Int, held: Held, folded: ChatName, archive: (any RoomArchive)?) -> [History.Entry] {
        guard let archive, held.lastID > 0, keep > 0 else { return held.history.latest(keep) }
        let read = RecordRead.before(held.lastID + 1, limit: keep)
        return held.history.entries(read) ?? archive.entries(of: folded, read)
    }

    /// A room the world no longer holds in memory, as its archive kept it: its record and its
    /// latest `keep` messages; nil when the archive has no record of it (a new room).
    public static func tail(of folded: ChatName, keep: Int, archive: (any RoomArchive)?) -> (ArchivedRoom, [History.Entry])? {
        guard let archive, let kept = archive.room(folded) else { return nil }
        guard kept.lastID > 0, keep > 0 else { return (kept, []) }
        return (kept, archive.entries(of: folded, .before(kept.lastID + 1, limit: keep)))
    }
}
