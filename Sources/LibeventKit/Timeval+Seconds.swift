import CLibevent

extension timeval {
    /// `seconds` (0 or more; a negative value counts as 0) as whole seconds and microseconds,
    /// for libevent's timers and the sockets' SO_RCVTIMEO and SO_SNDTIMEO.
    public init(seconds: Double) {
        let clamped = max(0, seconds)
        let whole = clamped.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((clamped - whole) * 1_000_000))
    }
}
