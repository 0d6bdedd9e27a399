/// Why the server closes a connection: the reason in its last line, `bye,<reason>`.
public enum ByeReason: String, CaseIterable, Sendable {
    case quit
    case shutdown
    case idleTimeout = "idle-timeout"
    case serverFull = "server-full"
    case slowConsumer = "slow-consumer"
    /// This server's addition: one more connection from an address that has `--max-connections-per-address`.
    case tooManyConnections = "too-many-connections"
    /// This server's addition: no `register` within `--registration-timeout` seconds.
    case registrationTimeout = "registration-timeout"
    /// A node of a cluster, beyond protocol v1: the node lost the cluster for longer than
    /// `--node-timeout`, and meanwhile another node gave this user's name to someone else.
    case nameLost = "name-lost"

    /// The complete `bye,<reason>\n` line.
    public var line: [UInt8] { Array("bye,\(rawValue)\n".utf8) }
}
