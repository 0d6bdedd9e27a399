/// The per-connection and per-server limits the dispatcher enforces; nil turns one off.
public struct ChatLimits: Sendable {
    /// Lines per second a connection may send, refilling a bucket of ``rateBurst`` tokens.
    public var rateLimit: Double?
    /// The token bucket's size: how many lines may come at once.
    public var rateBurst = 20
    /// Rooms one user may be in at once (`error,too-many-rooms` past it).
    public var maxRoomsPerUser: Int? = 100
    /// Rooms the server holds at once (`error,rooms-full` for a join that would create one more).
    public var maxRooms: Int? = 100_000
    /// The most messages a resume or a `history` page replays (`--resume-max`); also how many
    /// a room's record keeps in memory.
    public var resumeMax = 1000

    public init() {}
}
