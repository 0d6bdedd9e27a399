/// One connection's chat state: its name once registered, and its rooms.
///
/// Owned by the transport's connection object; touched only on the thread
/// that owns the ``Registry``.
public final class Session {
    /// Where this session's lines go. Unowned: the endpoint owns the session.
    public unowned let endpoint: any Endpoint
    /// The registered name as first written, or nil before `register`.
    public internal(set) var name: ChatName?
    /// The rooms this session is in, each with its index in the room's member list.
    var memberships: [Membership] = []
    /// Marks recipients already reached by a once-per-recipient notice.
    var noticeStamp: UInt64 = 0
    /// Set after `quit` or disconnect: no further lines are handled.
    public internal(set) var isClosed = false

    public init(endpoint: any Endpoint) {
        self.endpoint = endpoint
    }

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
