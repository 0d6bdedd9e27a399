import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Runs a closure on the loop's thread each time a signal arrives.
public final class SignalWatcher {
    private var event: OpaquePointer?
    private let action: () -> Void

    public init(loop: EventLoop, signal number: Int32, action: @escaping () -> Void) throws(LibeventError) {
        self.action = action
        event = clibevent_signal_new(loop.base, number, { _, _, context in
            Unmanaged<SignalWatcher>.fromOpaque(context!).takeUnretainedValue().action()
        }, Unmanaged.passUnretained(self).toOpaque())
        guard event != nil, event_add(event, nil) == 0 else { throw .signal(number) }
        // A parent may start us with the signal blocked (a test runner's worker
        // thread does): it would then never arrive, and SIGTERM would do nothing.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, number)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    deinit { event_free(event) }
}
