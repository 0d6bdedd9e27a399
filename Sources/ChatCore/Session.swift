/// One connected user as the registry sees it: its name once registered, its
/// rooms, and where its lines go.
///
/// A transport subclasses it and overrides ``send(_:)`` and ``closeAfterFlush()``:
/// the libevent layer with a socket (TCP, TLS, WebSocket), tests in memory, and later a loop or
/// node that forwards to another. That override is the one seam between the
/// chat logic and delivery. A subclass rather than a protocol-typed property
/// because the fan-out loop then calls it with no reference counting: the
/// retain/release pairs around an existential were a quarter of the server's
/// time on the 100-user fan-out scenario.
///
/// Touched only on the thread that owns the ``Registry``. The fields every line reads are
/// unchecked for exclusivity: they are only ever read or set whole, never passed inout, and
/// their dynamic checks were about 2% of server time on the 100-user fan-out.
open class Session {
    /// The registered name as first written, or nil before `register`.
    @exclusivity(unchecked) public internal(set) var name: ChatName?
    /// The rooms this session is in, each with its index in the room's member list.
    @exclusivity(unchecked) var memberships: [Membership] = []
    /// Marks recipients already reached by a once-per-recipient notice.
    var noticeStamp: UInt64 = 0
    /// Set after `quit` or disconnect: no further lines are handled.
    @exclusivity(unchecked) public internal(set) var isClosed = false
    /// The `--rate-limit` bucket, made on the first line when a limit is set.
    var rateBucket: TokenBucket?
    /// Which of the registry's formats this session's lines are written in.
    public internal(set) var format: FormatID
    /// A command of this session waits for its world's answer: its later lines wait too (in
    /// the dispatcher's ``AnswerQueue`` for it), so that replies stay in command order. A
    /// transport stops reading meanwhile.
    @exclusivity(unchecked) public internal(set) var isAwaiting = false
    /// How far into the registry's open pass batch this session's output has come: the
    /// batch's bytes before it are written to it or are its own. Zero unless the session is
    /// a member of the batch's room. Last, beside what a transport's fan-out reads next.
    @exclusivity(unchecked) var batchCursor = 0

    public init(format: FormatID = .v1) {
        self.format = format
    }

    /// Queues bytes for the peer, already in this session's format (complete lines,
    /// each ending in LF, for protocol v1). The bytes are valid only during the call: copy them.
    open func send(_ lines: UnsafeRawBufferPointer) {
        preconditionFailure("a transport's Session subclass must override send(_:)")
    }

    /// Sends nothing after what is queued, flushes it, then closes.
    open func closeAfterFlush() {
        preconditionFailure("a transport's Session subclass must override closeAfterFlush()")
    }

    /// The registry has just given this session its name (at `register`, or at `nick`).
    /// Nothing to do by default; a transport may drop what waited for a name.
    open func registered() {}

    /// The cluster answered and the backlog has run: a transport that stopped reading while
    /// ``isAwaiting`` reads its buffered lines again. Nothing to do for one that never stops.
    open func resumeReading() {}

    /// Writes this session's lines in another format from now on: a connection that turns
    /// out to speak another protocol (an HTTP upgrade to WebSocket). Only before it has
    /// registered, since rooms count their members' formats.
    public func switchFormat(to format: FormatID) {
        precondition(name == nil && memberships.isEmpty, "a session changes format before it registers")
        self.format = format
    }

    /// Says `bye,<reason>` and closes, as the server does for its own reasons: a cluster
    /// node whose user's name went to someone else.
    open func close(saying reason: ByeReason) {
        preconditionFailure("a transport's Session subclass must override close(saying:)")
    }

    /// The rooms this session is in.
    public var rooms: [Room] { memberships.map(\.room) }

    /// The number of rooms this session is in.
    public var roomCount: Int { memberships.count }

    func membershipIndex(of room: Room) -> Int? {
        memberships.firstIndex { $0.room === room }
    }
}

/// A session's place in one room's member list, so leaving is O(1).
struct Membership {
    let room: Room
    var index: Int
}
