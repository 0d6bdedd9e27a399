#if canImport(Glibc)
import Glibc
#endif

/// The archive's shared state behind a pthread mutex, with a condition its writer thread
/// sleeps on (a pthread mutex and condition: what ThreadSanitizer models).
final class ArchiveLock<Value>: @unchecked Sendable {
    // Invariant: `value` is touched only while `mutex` is held (inside `withLock`, or by
    // `wait`'s body); mutex and condition live at one address from init to deinit.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Wakes the thread waiting in ``wait(until:milliseconds:_:)``.
    func signal() {
        pthread_cond_signal(condition)
    }

    /// Waits until `ready` holds (checked under the lock), or `milliseconds` have passed
    /// (nil: no limit), then runs `body` under the lock.
    func wait<Result>(until ready: (Value) -> Bool, milliseconds: Int?, _ body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let milliseconds {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanoseconds = deadline.tv_nsec + milliseconds % 1000 * 1_000_000
            deadline.tv_sec += milliseconds / 1000 + nanoseconds / 1_000_000_000
            deadline.tv_nsec = nanoseconds % 1_000_000_000
            while !ready(value), pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT {}
        } else {
            while !ready(value) { pthread_cond_wait(condition, mutex) }
        }
        return body(&value)
    }
}
