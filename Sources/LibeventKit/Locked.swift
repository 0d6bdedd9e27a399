#if canImport(Glibc)
import Glibc
#endif

/// A value that several threads share, behind a pthread mutex.
///
/// Not `Synchronization.Mutex`: on Linux it locks with raw futex calls, which
/// ThreadSanitizer cannot see, so every access under it was reported as a race and the
/// suite could not run clean under TSan. A pthread mutex is what TSan models. (Not
/// Foundation's NSLock, which is the same mutex: the server does not load Foundation.)
public final class Locked<Value> {
    // Invariant: `value` is touched only inside `withLock`, while `mutex` is held; the
    // mutex lives at one address from init to deinit, as pthreads requires.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

// Safe to share between threads only when what it holds may cross threads: every access
// to `value` is under the mutex.
extension Locked: @unchecked Sendable where Value: Sendable {}
