#if canImport(Glibc)
import Glibc
#endif

/// A thread that runs one closure (an event loop), joined when the caller waits for it.
///
/// A pthread rather than Foundation's `Thread`: the server does not load Foundation (its
/// libraries are about 7 MiB of resident memory that a chat server does not need).
public final class LoopThread: Sendable {
    private let thread: pthread_t

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Start {
            let body: @Sendable () -> Void
            let name: String
            init(_ body: @escaping @Sendable () -> Void, name: String) { self.body = body; self.name = name }
        }
        // Invariant: the retained Start is taken back exactly once, by the new thread.
        let start = Unmanaged.passRetained(Start(body, name: name)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            LoopThread.nameThisThread(start.name)
            start.body()
            return nil
        }, start)
        precondition(result == 0, "pthread_create failed: \(result)")
        self.thread = thread
    }

    /// What `top -H` and `perf` show. Through /proc: Glibc's `pthread_setname_np` needs
    /// `_GNU_SOURCE`, which Swift's view of Glibc lacks.
    private static func nameThisThread(_ name: String) {
        let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard file >= 0 else { return }
        defer { close(file) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    }

    /// Waits until the closure has returned. Called once.
    public func join() {
        pthread_join(thread, nil)
    }
}
