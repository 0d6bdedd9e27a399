/// What a version 2 client asks to be replayed of a room, and which of the messages its
/// world kept are the answer: the one place that decides, whichever world kept them.
public enum Replay: Sendable {
    /// A plain `join`: the latest `count` (`--history`).
    case latest(Int)
    /// `join,<room>,<epoch>,<after-id>`: every message after `after`, if `epoch` is the record's
    /// (nil: a token that is no epoch of this server's).
    case resume(epoch: RoomEpoch?, after: Int64)
    /// `history,<room>,latest,<limit>`.
    case page(limit: Int)
    /// `history,<room>,before,<id>,<limit>`: the nearest `limit` below `id`.
    case before(Int64, limit: Int)
    /// `history,<room>,after,<id>,<limit>`: the nearest `limit` above `id`.
    case after(Int64, limit: Int)

    /// How many of a room's latest messages the world must hand over to answer this: a page
    /// before or after an id may reach back to the oldest the room keeps (`recordLimit`).
    public func latestNeeded(resumeMax: Int, recordLimit: Int) -> Int {
        switch self {
        case .latest(let count): count
        case .page(let limit): limit
        case .resume: resumeMax
        case .before, .after: max(resumeMax, recordLimit)
        }
    }

    /// What a world that reads an archive reads of a record whose last id is `lastID` to
    /// answer this: its latest `keep` (``latestNeeded(resumeMax:recordLimit:)``), or the page asked.
    public func read(lastID: Int64, keep: Int) -> RecordRead {
        switch self {
        case .latest, .page, .resume: .before(lastID + 1, limit: keep)
        case .before(let id, let limit): .before(id, limit: limit)
        case .after(let id, let limit): .after(id, limit: limit)
        }
    }

    /// The messages to replay, oldest first, and whether that is the whole of what was asked.
    ///
    /// - Parameters:
    ///   - kept: the latest messages the world kept (at least ``latestNeeded(resumeMax:)`` of
    ///     them where it has them), oldest first, ids one by one, the last being `lastID`.
    ///   - epoch: the room record's.
    public func select(from kept: [History.Entry], epoch: RoomEpoch, lastID: Int64,
                       resumeMax: Int) -> (entries: ArraySlice<History.Entry>, complete: Bool) {
        switch self {
        case .latest(let count), .page(let count):
            return (kept.suffix(count), true)
        case .resume(let asked, let after):
            // Another epoch: its ids mean nothing here, so the latest, and a gap.
            guard asked == epoch else { return (kept.suffix(resumeMax), false) }
            // An id this record never gave: nothing after it, and a gap.
            guard after <= lastID else { return ([], false) }
            let missed = lastID - after
            // Only what comes after the id: a record with a hole must not send one seen already.
            let wanted = kept.drop { $0.id <= after }.suffix(Int(min(missed, Int64(resumeMax))))
            // Whole when every id from after + 1 to the last is there (ids rise, so the count and
            // both ends say so): not when more than --resume-max were missed, older ones are no
            // longer kept, or the world's record has a hole.
            let whole = missed <= Int64(resumeMax) && Int64(wanted.count) == missed
                && (missed == 0 || (wanted.first?.id == after + 1 && wanted.last?.id == lastID))
            return (wanted, whole)
        case .before(let id, let limit):
            let below = kept.prefix { $0.id < id }
            return (below.suffix(limit), true)
        case .after(let id, let limit):
            let above = kept.drop { $0.id <= id }
            return (above.prefix(limit), true)
        }
    }
}

/// A read of a room's record: the nearest messages to an id, so that holes in the ids (what a
/// full disk or a crash did not keep) cost nothing and a page is never short before the start.
public enum RecordRead: Sendable, Equatable {
    /// The `limit` messages with the highest ids below the id, oldest first.
    case before(Int64, limit: Int)
    /// The `limit` messages with the lowest ids above the id, oldest first.
    case after(Int64, limit: Int)
}
