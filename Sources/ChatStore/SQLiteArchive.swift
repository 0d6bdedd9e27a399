import ChatCore
import LibeventKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: rooms' messages in a SQLite database (WAL mode) in `--data-dir`.
///
/// The event loops never wait on the disk to write: ``keep(_:in:epoch:)`` adds a run to the
/// pending messages in memory, and one writer thread takes all of them every `--store-sync`
/// and commits them as one transaction (a group commit: a room's messages of that window are
/// one row). Reads (a room created again, a history page) read the disk on the caller's
/// thread through a pool of read-only connections, and see what is not written yet too.
///
/// Every room's record (name, epoch, last id) is kept in memory from start-up on, so a world
/// numbers a room's next message without reading the disk, and a start-up reads one row per
/// room, not its messages.
public final class SQLiteArchive: RoomArchive, Sendable {
    struct Pending: Sendable {
        var name: ChatName
        var epoch: RoomEpoch
        var runs: [RoomChunk]
    }

    struct State: Sendable {
        /// Every kept room, by folded name.
        var rooms: [ChatName: ArchivedRoom] = [:]
        /// Runs not yet taken by the writer, by folded room name.
        var pending: [ChatName: Pending] = [:]
        var pendingBytes = 0
        /// Runs the writer is committing.
        var writing: [ChatName: Pending] = [:]
        var closing = false
    }

    public let settings: StoreSettings
    let state: ArchiveLock<State>
    private let backlogged = Atomic<Bool>(false)
    /// Messages the writer could not keep (a full disk): `chat_store_failed_total`.
    let failed = Atomic<Int>(0)
    /// Messages written, and the transactions that wrote them.
    let written = Atomic<Int>(0)
    let commits = Atomic<Int>(0)
    private let readers = Locked<[ArchiveReader]>([])
    let log: @Sendable (ArchiveNotice) -> Void
    private let writer = Locked<LoopThread?>(nil)
    /// The process that used the store last died without closing it: each room's ids skip
    /// ahead (``ArchiveSchema/idsSkippedAfterDeath``) so that none is given out twice.
    public let diedBefore: Bool
    /// Start-up's count of what the store holds.
    public let opened: (rooms: Int, messages: Int64, bytes: Int64)

    /// Opens the store in `settings.directory` (creating both), loads every room's record,
    /// and starts the writer thread.
    ///
    /// - Throws: ``StoreError`` naming the path and the cause: a directory that cannot be
    ///   made or written, a full disk, a file that is not a database or is damaged.
    public init(settings: StoreSettings, log: @escaping @Sendable (ArchiveNotice) -> Void) throws(StoreError) {
        self.settings = settings
        self.log = log
        try Self.makeDirectory(settings.directory)
        let connection = try SQLiteConnection(path: settings.databasePath, create: true)
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        let version = try connection.integer("PRAGMA user_version") ?? 0
        guard version <= ArchiveSchema.version else {
            throw StoreError(path: settings.databasePath, cause: "made by a newer chat-server (schema \(version))")
        }
        try connection.execute("BEGIN; \(ArchiveSchema.create) PRAGMA user_version = \(ArchiveSchema.version); COMMIT;")
        let died = try connection.integer(ArchiveSchema.readRunning) == 1
        try connection.execute("BEGIN; \(died ? ArchiveSchema.skipIDs + ";" : "") \(ArchiveSchema.setRunning); COMMIT;")
        var rooms: [ChatName: ArchivedRoom] = [:]
        let load = try connection.prepare(ArchiveSchema.loadRooms)
        while try load.step() {
            guard let folded = load.text(0).withUnsafeBytes({ ChatName($0) }),
                  let name = load.text(1).withUnsafeBytes({ ChatName($0) }) else { continue }
            rooms[folded] = ArchivedRoom(name: name, epoch: RoomEpoch(value: UInt64(bitPattern: load.integer(2))),
                                         lastID: load.integer(3))
        }
        let writing = try ArchiveWriter(connection: connection, settings: settings)
        writing.pruneExpired()
        let messages = try connection.integer(ArchiveSchema.countMessages) ?? 0
        let pages = try connection.integer("PRAGMA page_count") ?? 0
        let pageSize = try connection.integer("PRAGMA page_size") ?? 0
        opened = (rooms.count, messages, pages * pageSize)
        diedBefore = died
        state = ArchiveLock(State(rooms: rooms))
        // The thread holds the archive until close() has it write the rest and return.
        writer.withLock { $0 = LoopThread(name: "chat-store") { writing.run(for: self) } }
    }

    private static func makeDirectory(_ path: String) throws(StoreError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw StoreError(path: built, cause: String(cString: strerror(errno)))
            }
        }
        guard access(path, W_OK) == 0 else { throw StoreError(path: path, cause: String(cString: strerror(errno))) }
    }

    // MARK: RoomArchive

    public func room(_ folded: ChatName) -> ArchivedRoom? {
        state.withLock { $0.rooms[folded] }
    }

    public var isBacklogged: Bool { backlogged.load(ordering: .relaxed) }

    public func keep(_ run: RoomChunk, in room: ChatName, epoch: RoomEpoch) {
        guard run.count > 0 else { return }
        let folded = room.folded
        let (wake, full) = state.withLock { state in
            let name = state.rooms[folded].map { $0.epoch == epoch ? $0.name : room } ?? room
            state.rooms[folded] = ArchivedRoom(name: name, epoch: epoch, lastID: run.lastID)
            let wake = state.pending.isEmpty
            // Held as given, bytes not copied (the caller may hold its own lock): the writer
            // joins a room's runs into one row.
            if var pending = state.pending.removeValue(forKey: folded), pending.epoch == epoch {
                pending.runs.append(run)
                state.pending[folded] = pending
            } else {
                // A new record (another epoch) replaces what was pending for the old one.
                state.pending[folded] = Pending(name: name, epoch: epoch, runs: [run])
            }
            state.pendingBytes += run.bytes.count
            return (wake, state.pendingBytes > settings.maxBacklogBytes)
        }
        if full { backlogged.store(true, ordering: .relaxed) }
        if wake { state.signal() }
    }

    public func entries(of folded: ChatName, _ read: RecordRead) -> [History.Entry] {
        guard let unwritten = state.withLock({ state -> [RoomChunk]? in
            guard let record = state.rooms[folded] else { return nil }
            var runs: [RoomChunk] = []
            for pending in [state.writing[folded], state.pending[folded]] {
                if let pending, pending.epoch == record.epoch { runs += pending.runs }
            }
            return runs
        }) else { return [] }
        // What --history-days no longer keeps is not read, written or not (the writer drops
        // it every ten minutes); --history-keep the writer applies at each commit.
        let since = settings.historyDays > 0 ? UnixClock.nowMillis() - Int64(settings.historyDays) * 86_400_000 : .min
        // Whatever is not written yet is newer than everything written.
        var newer: [History.Entry] = []
        for run in unwritten {
            run.bytes.withUnsafeBytes { _ = RoomChunk.decode(firstID: run.firstID, bytes: $0, sinceMillis: since, into: &newer) }
        }
        let firstUnwritten = unwritten.first?.firstID ?? .max
        switch read {
        case .before(let id, let limit):
            let below = newer.prefix { $0.id < id }
            guard below.count < limit else { return Array(below.suffix(limit)) }
            let written = readWritten(folded, .before(min(id, firstUnwritten), limit: limit - below.count), since: since)
            return written + below
        case .after(let id, let limit):
            var entries = id + 1 < firstUnwritten ? readWritten(folded, read, since: since) : []
            entries.removeAll { $0.id >= firstUnwritten }
            if entries.count < limit { entries += newer.lazy.filter { $0.id > id }.prefix(limit - entries.count) }
            return entries
        }
    }

    private func readWritten(_ folded: ChatName, _ read: RecordRead, since: Int64) -> [History.Entry] {
        let reader = readers.withLock { $0.popLast() } ?? (try? ArchiveReader(path: settings.databasePath))
        guard let reader else { return [] }
        defer { readers.withLock { $0.append(reader) } }
        do {
            return try reader.read(folded, read, since: since)
        } catch {
            log(.readFailed(error))
            return []
        }
    }

    // MARK: The writer's side

    /// Everything pending, for the writer to commit (empty: close and nothing left).
    func takePending(windowMilliseconds: Int) -> [ChatName: Pending] {
        // Wait for something to write, then for the window to fill (a close cuts it short).
        state.wait(until: { !$0.pending.isEmpty || $0.closing }, milliseconds: nil) { _ in }
        return state.wait(until: { $0.closing }, milliseconds: windowMilliseconds) { state in
            let taken = state.pending
            state.pending = [:]
            state.pendingBytes = 0
            state.writing = taken
            backlogged.store(false, ordering: .relaxed)
            return taken
        }
    }

    /// The writer is done with what it took.
    func finishedWriting() {
        state.withLock { $0.writing = [:] }
    }

    var isClosing: Bool { state.withLock { $0.closing } }

    // MARK: Closing

    /// Writes everything pending and stops the writer: after it returns, every message kept
    /// so far is on disk. Called once the loops have stopped.
    public func close() {
        state.withLock { $0.closing = true }
        state.signal()
        let thread = writer.withLock { thread -> LoopThread? in
            defer { thread = nil }
            return thread
        }
        thread?.join()
    }

    /// What the store did since start, for `/metrics` and the log.
    public var figures: StoreFigures {
        StoreFigures(written: UInt64(writtenMessages), failed: UInt64(failedMessages), commits: UInt64(commitCount),
                     backlogBytes: state.withLock { $0.pendingBytes })
    }

    /// Messages the store could not keep since start (a full disk, a write error).
    public var failedMessages: Int { failed.load(ordering: .relaxed) }
    /// Messages written since start, and the transactions that wrote them.
    public var writtenMessages: Int { written.load(ordering: .relaxed) }
    public var commitCount: Int { commits.load(ordering: .relaxed) }
}

/// What the archive tells the server's log.
public enum ArchiveNotice: Sendable {
    /// A commit failed (the disk is full, or cannot be written): its messages are lost, the
    /// server goes on. Told once until a commit succeeds again.
    case writeFailed(StoreError, messages: Int)
    /// Another process holds the database's write lock: the writer waits, messages queue.
    case waiting(StoreError)
    /// Commits succeed again after failing or waiting.
    case writing
    case readFailed(StoreError)
}

/// What the store did since start.
public struct StoreFigures: Sendable, Equatable {
    /// Messages written, and the transactions (group commits) that wrote them.
    public var written: UInt64 = 0
    /// Messages the store could not keep (`chat_store_failed_total`).
    public var failed: UInt64 = 0
    public var commits: UInt64 = 0
    /// Bytes of messages waiting for the writer.
    public var backlogBytes = 0

    public init(written: UInt64 = 0, failed: UInt64 = 0, commits: UInt64 = 0, backlogBytes: Int = 0) {
        self.written = written
        self.failed = failed
        self.commits = commits
        self.backlogBytes = backlogBytes
    }
}
