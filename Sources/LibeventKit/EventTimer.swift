import CLibevent

/// A one-shot libevent timer that runs a Swift closure on the loop's thread.
public final class EventTimer {
    private var event: OpaquePointer?
    private let action: () -> Void

    public init(loop: EventLoop, action: @escaping () -> Void) {
        self.action = action
        event = clibevent_timer_new(loop.base, { _, _, context in
            Unmanaged<EventTimer>.fromOpaque(context!).takeUnretainedValue().action()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { event_free(event) }

    /// Fires once after `seconds`; scheduling again replaces the previous time.
    public func schedule(after seconds: Double) {
        var delay = timeval(seconds: seconds)
        event_add(event, &delay)
    }

    /// Runs the action later in this loop pass, after the callbacks already due: work
    /// gathered during the pass (a batch) goes out once, at its end.
    public func fireInThisPass() {
        event_active(event, EV_TIMEOUT, 0)
    }

    public func cancel() { event_del(event) }
}
