/// The store's tables. A room's record is a `rooms` row (its name, epoch and last id, so ids
/// go on without reuse after its messages expire, and how many messages it keeps); its
/// messages are `runs` rows, each a run of consecutive ids in ``ChatCore/RoomChunk``'s bytes,
/// found by (room, first id). Ids may have holes between runs (what a full disk or a crash
/// did not keep), so reads ask for the nearest messages to an id, not for a range of ids.
enum ArchiveSchema {
    static let version: Int64 = 1

    static let create = """
        CREATE TABLE IF NOT EXISTS rooms(
            id INTEGER PRIMARY KEY,
            folded TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            kept INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS runs(
            room INTEGER NOT NULL,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            last_millis INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(room, first_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """

    /// 1 from start until a close that wrote everything: still 1 at the next start means the
    /// process died (`kill -9`, a crash, the power) and ids may have been given out unwritten.
    static let readRunning = "SELECT value FROM meta WHERE key = 'running'"
    static let setRunning = "INSERT OR REPLACE INTO meta(key, value) VALUES ('running', 1)"
    static let setStopped = "INSERT OR REPLACE INTO meta(key, value) VALUES ('running', 0)"

    /// After such a death every room's ids go on past what may have been given out unwritten:
    /// what the writer had not taken (the backlog is bounded by `StoreSettings.maxBacklogBytes`,
    /// at least 15 bytes a message) and the commit under way, with room to spare. The ids
    /// skipped are never used, and a client resuming across them is told `gap`.
    static let idsSkippedAfterDeath: Int64 = 10_000_000
    static let skipIDs = "UPDATE rooms SET last_id = last_id + \(idsSkippedAfterDeath)"

    static let loadRooms = "SELECT folded, name, epoch, last_id FROM rooms"

    static let countMessages = "SELECT IFNULL(SUM(kept), 0) FROM rooms"

    static let findRoom = "SELECT id, epoch, kept FROM rooms WHERE folded = ?1"
    static let insertRoom = "INSERT INTO rooms(folded, name, epoch, last_id) VALUES (?1, ?2, ?3, ?4)"
    static let updateRoom = "UPDATE rooms SET last_id = max(last_id, ?2), kept = ?3 WHERE id = ?1"
    static let resetRoom = "UPDATE rooms SET epoch = ?2, last_id = ?3, kept = 0 WHERE id = ?1"
    static let dropRuns = "DELETE FROM runs WHERE room = ?1"
    static let insertRun = "INSERT OR REPLACE INTO runs(room, first_id, last_id, last_millis, body) VALUES (?1, ?2, ?3, ?4, ?5)"
    /// The room's oldest runs, for `--history-keep`.
    static let oldestRuns = "SELECT first_id, last_id, last_millis, body FROM runs WHERE room = ?1 ORDER BY first_id LIMIT 64"
    static let deleteRun = "DELETE FROM runs WHERE room = ?1 AND first_id = ?2"
    /// Runs wholly older than `--history-days`, and each room's count after them.
    static let pruneOld = "DELETE FROM runs WHERE last_millis < ?1"
    static let recount = """
        UPDATE rooms SET kept = (SELECT IFNULL(SUM(last_id - first_id + 1), 0) FROM runs WHERE runs.room = rooms.id)
        """

    /// The room's (folded) ?3 runs with the highest first ids below ?2: they hold at least
    /// ?3 messages below ?2 where there are that many.
    static let readBefore = """
        SELECT first_id, body FROM runs
        WHERE room = (SELECT id FROM rooms WHERE folded = ?1) AND first_id < ?2
        ORDER BY first_id DESC LIMIT ?3
        """

    /// The room's (folded) runs from the one that holds ?2 + 1 (or the first after it) on, ?3 + 1
    /// of them at most: they hold the ?3 messages above ?2 where there are that many.
    static let readAfter = """
        SELECT first_id, body FROM runs
        WHERE room = (SELECT id FROM rooms WHERE folded = ?1)
          AND first_id >= IFNULL((SELECT first_id FROM runs WHERE room = (SELECT id FROM rooms WHERE folded = ?1)
                                  AND first_id <= ?2 + 1 ORDER BY first_id DESC LIMIT 1), 0)
        ORDER BY first_id LIMIT ?3 + 1
        """
}
