/// How the embedded store keeps rooms' messages (`--data-dir`, `--history-keep`,
/// `--history-days`, `--store-sync`).
public struct StoreSettings: Sendable {
    /// The directory that holds the database (`chat.db` and SQLite's WAL beside it), created
    /// with its parents if missing.
    public var directory: String
    /// The most messages kept per room.
    public var historyKeep = 10_000
    /// Messages older than this many days are dropped; 0 keeps them for ever.
    public var historyDays = 30
    /// The longest a message waits before it is written: the writer commits what came in
    /// that window as one transaction, and `kill -9` loses at most that much.
    public var syncMilliseconds = 50
    /// The most bytes of messages waiting to be written: past it, new messages are refused
    /// (`error,unavailable`) until the writer has caught up.
    public var maxBacklogBytes = 64 << 20

    public init(directory: String) {
        self.directory = directory
    }

    /// The database file.
    public var databasePath: String { directory.hasSuffix("/") ? directory + "chat.db" : directory + "/chat.db" }
}
