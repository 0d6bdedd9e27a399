import CLibevent

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
    }

    deinit { event_free(event) }
}
