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
    private let findRoom, insertRoom, updateRoom, resetRoom, dropRuns, insertRun, pruneRoom, pruneOld: SQLiteStatement
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
        pruneRoom = try connection.prepare(ArchiveSchema.pruneRoom)
        pruneOld = try connection.prepare(ArchiveSchema.pruneOld)
    }

    func run(for archive: SQLiteArchive) {
        while true {
            let taken = archive.takePending(windowMilliseconds: settings.syncMilliseconds)
            if taken.isEmpty {
                if archive.isClosing { break }
                continue
            }
            write(taken, for: archive)
            archive.written(taken)
            if UnixClock.nowMillis() - lastExpiry > 600_000 { pruneExpired() }
        }
        // What SQLite holds in its WAL goes into the database file on the way out.
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    private func write(_ taken: [ChatName: SQLiteArchive.Pending], for archive: SQLiteArchive) {
        let messages = taken.values.reduce(0) { $0 + $1.runs.reduce(0) { $0 + $1.count } }
        do throws(StoreError) {
            try begin.run()
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
        findRoom.bind(1, folded)
        let room: Int64
        if try findRoom.step() {
            room = findRoom.integer(0)
            let storedEpoch = findRoom.integer(1)
            findRoom.reset()
            if storedEpoch == epoch {
                updateRoom.bind(1, room); updateRoom.bind(2, epoch); updateRoom.bind(3, lastID)
                try updateRoom.run()
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
        for run in pending.runs {
            insertRun.bind(1, room); insertRun.bind(2, run.firstID); insertRun.bind(3, run.lastID)
            insertRun.bind(4, run.lastMillis)
            run.bytes.withUnsafeBytes { insertRun.bind(5, blob: $0) }
            try insertRun.run()
        }
        pruneRoom.bind(1, room); pruneRoom.bind(2, lastID - Int64(settings.historyKeep))
        try pruneRoom.run()
    }

    /// Drops every run wholly older than `--history-days` (every ten minutes, and at start).
    func pruneExpired() {
        lastExpiry = UnixClock.nowMillis()
        guard settings.historyDays > 0 else { return }
        pruneOld.bind(1, lastExpiry - Int64(settings.historyDays) * 86_400_000)
        try? pruneOld.run()
    }
}

/// A read-only connection to the store and its one query, used by one thread at a time
/// (taken from the archive's pool for one read).
final class ArchiveReader: @unchecked Sendable {
    // Invariant: used by one thread at a time: the pool hands it out to one reader.
    private let connection: SQLiteConnection
    private let readRuns: SQLiteStatement

    init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path, create: false, readOnly: true)
        readRuns = try connection.prepare(ArchiveSchema.readRuns)
    }

    /// Appends the written messages of the room (folded) with ids in `ids`, said at or after
    /// `since`, oldest first.
    func read(_ folded: ChatName, ids: ClosedRange<Int64>, since: Int64, into entries: inout [History.Entry]) throws(StoreError) {
        defer { readRuns.reset() }
        readRuns.bind(1, folded); readRuns.bind(2, ids.lowerBound); readRuns.bind(3, ids.upperBound)
        while try readRuns.step() {
            let firstID = readRuns.integer(0)
            let whole = readRuns.withBlob(1) {
                RoomChunk.decode(firstID: firstID, bytes: $0, ids: ids, sinceMillis: since, into: &entries)
            }
            if !whole { throw StoreError(path: connection.path, cause: "a damaged run of messages (from id \(firstID))") }
        }
    }
}
