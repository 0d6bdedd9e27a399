/// Why the store could not be opened or written: one line that names the path and the
/// cause, as the server prints it before it exits.
public struct StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file or directory concerned.
    public let path: String
    /// SQLite's or the system's words for what went wrong.
    public let cause: String
    /// True when another process holds the database's write lock: worth trying again.
    public let isBusy: Bool

    public init(path: String, cause: String, isBusy: Bool = false) {
        self.path = path
        self.cause = cause
        self.isBusy = isBusy
    }

    public var description: String { "\(path): \(cause)" }
}
