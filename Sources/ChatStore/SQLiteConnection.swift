import ChatCore
import CSQLite

/// One SQLite connection and the statements prepared on it, used by one thread at a time.
///
/// SQLite's C API directly rather than a Swift wrapper library: the store runs a handful of
/// fixed statements, and a library (GRDB, which builds in about 96 s here) would cost each of
/// CI's four builds more than the few lines below.
final class SQLiteConnection {
    // Invariant: `handle` is open from init until deinit, and only this object closes it.
    private let handle: OpaquePointer
    let path: String

    /// Opens (creating with `create`) the database at `path`.
    init(path: String, create: Bool, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        var opened: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
            | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let opened else {
            let cause = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close(opened)
            throw StoreError(path: path, cause: cause)
        }
        handle = opened
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// The last call's failure, as a ``StoreError``.
    var failure: StoreError {
        let code = sqlite3_errcode(handle) & 0xff
        return StoreError(path: path, cause: lastError, isBusy: code == SQLITE_BUSY || code == SQLITE_LOCKED)
    }

    /// Runs `sql` (one or more statements with no parameters).
    func execute(_ sql: String) throws(StoreError) {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement else { throw failure }
        return SQLiteStatement(statement, connection: self)
    }

    /// Rows the last statement changed.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The first column of the first row of `sql`, as an integer (nil: no row).
    func integer(_ sql: String) throws(StoreError) -> Int64? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.integer(0) : nil
    }
}

/// A prepared statement: bind, step through its rows, reset.
final class SQLiteStatement {
    // Invariant: finalized once, in deinit; used only on its connection's thread.
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit { sqlite3_finalize(statement) }

    /// Clears the last run's bindings and state.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ index: Int32, _ name: ChatName) {
        name.withBytes { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
    }

    func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
        sqlite3_bind_blob(statement, index, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(blob.count), SQLITE_TRANSIENT)
    }

    /// Advances to the next row: true when there is one, false when done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.failure
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws(StoreError) {
        defer { reset() }
        _ = try step()
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func text(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_text(statement, column) else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
    }

    /// The column's blob for as long as `body` runs (valid until the next step or reset).
    func withBlob<Result>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let count = Int(sqlite3_column_bytes(statement, column))
        return body(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column), count: count))
    }
}

/// SQLite's "copy what I bind now" destructor, which the C header spells as a cast of -1.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
