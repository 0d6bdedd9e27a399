/// Why the store could not be opened or written: one line that names the path and the
/// cause, as the server prints it before it exits.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// The file or directory concerned.
    public let path: String
    /// SQLite's or the system's words for what went wrong.
    public let cause: String

    public init(path: String, cause: String) {
        self.path = path
        self.cause = cause
    }

    public var description: String { "\(path): \(cause)" }
}
