/// The store's tables. A room's record is a `rooms` row (its name, epoch and last id, so ids
/// go on without reuse after its messages expire); its messages are `runs` rows, each a run
/// of consecutive ids in ``ChatCore/RoomChunk``'s bytes, found by (room, first id).
enum ArchiveSchema {
    static let version: Int64 = 1

    static let create = """
        CREATE TABLE IF NOT EXISTS rooms(
            id INTEGER PRIMARY KEY,
            folded TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            last_id INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS runs(
            room INTEGER NOT NULL,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            last_millis INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(room, first_id)) WITHOUT ROWID;
        """

    static let loadRooms = "SELECT folded, name, epoch, last_id FROM rooms"

    /// Messages held: per room, from its oldest kept run to its last id (one index seek a room).
    static let countMessages = """
        SELECT IFNULL(SUM(last_id + 1 - IFNULL((SELECT first_id FROM runs WHERE room = rooms.id ORDER BY first_id LIMIT 1),
                                               last_id + 1)), 0) FROM rooms
        """

    static let findRoom = "SELECT id, epoch FROM rooms WHERE folded = ?1"
    static let insertRoom = "INSERT INTO rooms(folded, name, epoch, last_id) VALUES (?1, ?2, ?3, ?4)"
    static let updateRoom = "UPDATE rooms SET epoch = ?2, last_id = max(last_id, ?3) WHERE id = ?1"
    static let resetRoom = "UPDATE rooms SET epoch = ?2, last_id = ?3 WHERE id = ?1"
    static let dropRuns = "DELETE FROM runs WHERE room = ?1"
    static let insertRun = "INSERT OR REPLACE INTO runs(room, first_id, last_id, last_millis, body) VALUES (?1, ?2, ?3, ?4, ?5)"
    /// Runs wholly below the room's kept window (`--history-keep`).
    static let pruneRoom = "DELETE FROM runs WHERE room = ?1 AND last_id <= ?2"
    /// Runs wholly older than `--history-days`.
    static let pruneOld = "DELETE FROM runs WHERE last_millis < ?1"

    /// The runs of the room (folded) holding ids from ?2 to ?3: from the one that holds ?2
    /// (or the first after it) on.
    static let readRuns = """
        SELECT first_id, body FROM runs
        WHERE room = (SELECT id FROM rooms WHERE folded = ?1) AND first_id <= ?3
          AND first_id >= IFNULL((SELECT first_id FROM runs WHERE room = (SELECT id FROM rooms WHERE folded = ?1)
                                  AND first_id <= ?2 ORDER BY first_id DESC LIMIT 1), 0)
        ORDER BY first_id
        """
}
