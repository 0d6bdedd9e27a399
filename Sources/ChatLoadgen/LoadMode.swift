/// What the simulated users send.
public enum LoadMode: String, CaseIterable, Sendable {
    /// `chat` to a random friend.
    case direct
    /// `say` in the user's room.
    case room
    /// Each message is, at random, a `chat` to a friend or a `say` in the room.
    case mixed

    var usesRooms: Bool { self != .direct }
    var usesFriends: Bool { self != .room }
}
