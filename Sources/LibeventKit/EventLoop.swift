import CLibevent

/// One libevent event base: the thread that runs it owns everything attached to it.
public final class EventLoop {
    /// The underlying `struct event_base *`.
    public let base: OpaquePointer

    /// Creates an event base; fails only when libevent cannot (no backend, out of memory).
    public init() throws(LibeventError) {
        guard let config = event_config_new() else { throw .eventBase }
        defer { event_config_free(config) }
        // A connection adds its write event when output waits for the socket and deletes
        // it once flushed: under load that is two epoll_ctl calls per connection per pass.
        // The changelist folds an add and a delete in one pass into nothing.
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        guard let base = event_base_new_with_config(config) else { throw .eventBase }
        self.base = base
    }

    deinit { event_base_free(base) }

    /// Runs until ``stop()`` or until no event is left.
    public func run() {
        event_base_dispatch(base)
    }

    /// Makes ``run()`` return after the callbacks now running.
    public func stop() {
        event_base_loopbreak(base)
    }

    /// The event base's cached time: cheap, and exact enough for timestamps.
    public var cachedMillis: Int64 {
        var now = timeval()
        event_base_gettimeofday_cached(base, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_usec) / 1000
    }
}
