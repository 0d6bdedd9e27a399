import ChatCore

/// The store's writer thread: every `--store-sync` it takes what the loops kept and commits
/// it as one transaction, one row per room's run, then drops what `--history-keep` and
/// `--history-days` no longer keep. A failed commit (a full disk) loses that window's
/// messages, counted and told once, and the next window tries again.
final class ArchiveWriter: @unchecked Sendable {
    // Invariant: after init, used only on the writer thread (run), or before it starts.
    private let connection: SQLiteConnection
    private let settings: StoreSettings
    private let begin, commit, rollback: SQLiteStatement
    private let findRoom, insertRoom, updateRoom, resetRoom, dropRuns, insertRun: SQLiteStatement
    private let oldestRuns, deleteRun, pruneOld, recount: SQLiteStatement
    private var failing = false
    private var lastExpiry: Int64 = 0

    init(connection: SQLiteConnection, settings: StoreSettings) throws(StoreError) {
        self.connection = connection
        self.settings = settings
        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        rollback = try connection.prepare("ROLLBACK")
        findRoom = try connection.prepare(ArchiveSchema.findRoom)
        insertRoom = try connection.prepare(ArchiveSchema.insertRoom)
        updateRoom = try connection.prepare(ArchiveSchema.updateRoom)
        resetRoom = try connection.prepare(ArchiveSchema.resetRoom)
        dropRuns = try connection.prepare(ArchiveSchema.dropRuns)
        insertRun = try connection.prepare(ArchiveSchema.insertRun)
        oldestRuns = try connection.prepare(ArchiveSchema.oldestRuns)
        deleteRun = try connection.prepare(ArchiveSchema.deleteRun)
        pruneOld = try connection.prepare(ArchiveSchema.pruneOld)
        recount = try connection.prepare(ArchiveSchema.recount)
    }

    func run(for archive: SQLiteArchive) {
        while true {
            let taken = archive.takePending(windowMilliseconds: settings.syncMilliseconds)
            if taken.isEmpty {
                if archive.isClosing { break }
                continue
            }
            write(taken, for: archive)
            archive.finishedWriting()
            if UnixClock.nowMillis() - lastExpiry > 600_000 { pruneExpired() }
        }
        // Everything was written: the next start goes on from the ids as they are. What SQLite
        // holds in its WAL goes into the database file on the way out.
        try? connection.execute(ArchiveSchema.setStopped)
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    private func write(_ taken: [ChatName: SQLiteArchive.Pending], for archive: SQLiteArchive) {
        let messages = taken.values.reduce(0) { $0 + $1.runs.reduce(0) { $0 + $1.count } }
        do throws(StoreError) {
            // Another process holding the write lock (a backup, sqlite3 at the shell) is waited
            // for, five seconds at a time, while new messages queue up to the backlog's bound:
            // nothing is lost to a lock. A close tries once more, then gives up.
            var closingTries = 1
            while true {
                do throws(StoreError) {
                    try begin.run()
                    break
                } catch where error.isBusy && (!archive.isClosing || closingTries > 0) {
                    if archive.isClosing { closingTries -= 1 }
                    if !failing {
                        failing = true
                        archive.log(.waiting(error))
                    }
                }
            }
            do throws(StoreError) {
                for (folded, pending) in taken { try write(pending, folded: folded) }
                try commit.run()
            } catch {
                try? rollback.run()
                throw error
            }
            archive.written.add(messages, ordering: .relaxed)
            archive.commits.add(1, ordering: .relaxed)
            if failing {
                failing = false
                archive.log(.writing)
            }
        } catch {
            archive.failed.add(messages, ordering: .relaxed)
            if !failing {
                failing = true
                archive.log(.writeFailed(error, messages: messages))
            }
        }
    }

    private func write(_ pending: SQLiteArchive.Pending, folded: ChatName) throws(StoreError) {
        guard let lastID = pending.runs.last?.lastID else { return }
        let epoch = Int64(bitPattern: pending.epoch.value)
        let room: Int64
        var kept = pending.runs.reduce(0) { $0 + Int64($1.count) }
        findRoom.bind(1, folded)
        if try findRoom.step() {
            room = findRoom.integer(0)
            let (storedEpoch, storedKept) = (findRoom.integer(1), findRoom.integer(2))
            findRoom.reset()
            if storedEpoch == epoch {
                kept += storedKept
            } else {
                // A new record of the room: the old one's messages mean nothing now.
                dropRuns.bind(1, room)
                try dropRuns.run()
                resetRoom.bind(1, room); resetRoom.bind(2, epoch); resetRoom.bind(3, lastID)
                try resetRoom.run()
            }
        } else {
            findRoom.reset()
            insertRoom.bind(1, folded); insertRoom.bind(2, pending.name); insertRoom.bind(3, epoch); insertRoom.bind(4, lastID)
            try insertRoom.run()
            room = try connection.integer("SELECT last_insert_rowid()") ?? 0
        }
        // Each window's consecutive runs of a room are one row.
        var rows: [RoomChunk] = []
        for run in pending.runs {
            if let last = rows.last, last.lastID + 1 == run.firstID { rows[rows.count - 1].append(run) } else { rows.append(run) }
        }
        for run in rows {
            insertRun.bind(1, room); insertRun.bind(2, run.firstID); insertRun.bind(3, run.lastID)
            insertRun.bind(4, run.lastMillis)
            run.bytes.withUnsafeBytes { insertRun.bind(5, blob: $0) }
            try insertRun.run()
        }
        if kept > Int64(settings.historyKeep) { kept = try trim(room, kept: kept) }
        updateRoom.bind(1, room); updateRoom.bind(2, lastID); updateRoom.bind(3, kept)
        try updateRoom.run()
    }

    /// Drops the room's oldest messages past `--history-keep` (whole runs, and the start of the
    /// oldest left); returns how many it keeps.
    private func trim(_ room: Int64, kept: Int64) throws(StoreError) -> Int64 {
        var kept = kept
        let keep = Int64(settings.historyKeep)
        while kept > keep {
            var oldest: [(firstID: Int64, lastID: Int64, lastMillis: Int64, body: [UInt8])] = []
            oldestRuns.bind(1, room)
            while try oldestRuns.step() {
                oldest.append((oldestRuns.integer(0), oldestRuns.integer(1), oldestRuns.integer(2),
                               oldestRuns.withBlob(3) { Array($0) }))
            }
            oldestRuns.reset()
            guard !oldest.isEmpty else { return 0 }
            for run in oldest where kept > keep {
                deleteRun.bind(1, room); deleteRun.bind(2, run.firstID)
                try deleteRun.run()
                let size = run.lastID - run.firstID + 1
                if kept - size >= keep {
                    kept -= size
                    continue
                }
                // Part of this run stays: written again from its first kept message.
                let excess = kept - keep
                guard let rest = run.body.withUnsafeBytes({ RoomChunk.dropping(Int(excess), firstID: run.firstID, bytes: $0) }) else {
                    kept -= size
                    continue
                }
                insertRun.bind(1, room); insertRun.bind(2, rest.firstID); insertRun.bind(3, run.lastID)
                insertRun.bind(4, run.lastMillis)
                rest.bytes.withUnsafeBytes { insertRun.bind(5, blob: $0) }
                try insertRun.run()
                kept = keep
            }
        }
        return kept
    }

    /// Drops every run wholly older than `--history-days` (every ten minutes, and at start).
    func pruneExpired() {
        lastExpiry = UnixClock.nowMillis()
        guard settings.historyDays > 0 else { return }
        pruneOld.bind(1, lastExpiry - Int64(settings.historyDays) * 86_400_000)
        try? pruneOld.run()
        if connection.changes > 0 { try? recount.run() }
    }
}

/// A read-only connection to the store and its two queries, used by one thread at a time
/// (taken from the archive's pool for one read).
final class ArchiveReader: @unchecked Sendable {
    // Invariant: used by one thread at a time: the pool hands it out to one reader.
    private let connection: SQLiteConnection
    private let before, after: SQLiteStatement

    init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        before = try connection.prepare(ArchiveSchema.readBefore)
        after = try connection.prepare(ArchiveSchema.readAfter)
    }

    /// The written messages of the room (folded) that `read` asks for, among those said at or
    /// after `since`, oldest first.
    func read(_ folded: ChatName, _ read: RecordRead, since: Int64) throws(StoreError) -> [History.Entry] {
        var runs: [(firstID: Int64, entries: [History.Entry])] = []
        let statement: SQLiteStatement, id: Int64, limit: Int
        switch read {
        case .before(let below, let count): (statement, id, limit) = (before, below, count)
        case .after(let above, let count): (statement, id, limit) = (after, above, count)
        }
        defer { statement.reset() }
        statement.bind(1, folded)
        statement.bind(2, id)
        statement.bind(3, Int64(limit))
        while try statement.step() {
            let firstID = statement.integer(0)
            var entries: [History.Entry] = []
            let whole = statement.withBlob(1) {
                RoomChunk.decode(firstID: firstID, bytes: $0, sinceMillis: since, into: &entries)
            }
            if !whole { throw StoreError(path: connection.path, cause: "a damaged run of messages (from id \(firstID))") }
            runs.append((firstID, entries))
        }
        switch read {
        case .before: return Array(runs.reversed().flatMap(\.entries).filter { $0.id < id }.suffix(limit))
        case .after: return Array(runs.flatMap(\.entries).lazy.filter { $0.id > id }.prefix(limit))
        }
    }
}
