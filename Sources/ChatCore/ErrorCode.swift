/// The error codes of protocol v1, in the order in which they take precedence.
public enum ErrorCode: String, CaseIterable, Sendable {
    case lineTooLong = "line-too-long"
    case badUTF8 = "bad-utf8"
    case unknownCommand = "unknown-command"
    case notRegistered = "not-registered"
    case badArgs = "bad-args"
    case rateLimited = "rate-limited"
    case alreadyRegistered = "already-registered"
    case badName = "bad-name"
    case nameTaken = "name-taken"
    case noSuchUser = "no-such-user"
    case noSuchRoom = "no-such-room"
    case notInRoom = "not-in-room"
    case alreadyInRoom = "already-in-room"
    /// This server's limit, beyond protocol v1: the user is in `--max-rooms-per-user` rooms.
    case tooManyRooms = "too-many-rooms"
    /// This server's limit, beyond protocol v1: `--max-rooms` rooms exist and the join would create one more.
    case roomsFull = "rooms-full"
    /// A node of a cluster, beyond protocol v1: the command needs the cluster, which this
    /// node cannot reach now (Redis down, restarting or too slow).
    case unavailable
}
