import Foundation

/// A value that several threads share, behind a pthread mutex (Foundation's NSLock).
///
/// Not `Synchronization.Mutex`: on Linux it locks with raw futex calls, which
/// ThreadSanitizer cannot see, so every access under it was reported as a race and the
/// suite could not run clean under TSan. A pthread mutex is what TSan models.
public final class Locked<Value>: @unchecked Sendable {
    // Invariant: `value` is touched only inside `withLock`, while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
