/// A node's cluster figures since start, for the throughput log and `/metrics`.
public struct ClusterFigures: Sendable {
    /// Room messages, direct messages and notices this node sent to Redis.
    public var published: UInt64 = 0
    /// Room messages, direct messages and notices that came from Redis.
    public var received: UInt64 = 0
    /// Times a room's messages were fetched from its log after a gap or a lost connection.
    public var catchUps: UInt64 = 0
    /// Room messages Redis no longer had when a catch-up asked (beyond the catch-up window),
    /// or that a joiner's answer lacked beyond what the node kept while the join was in flight.
    public var missed: UInt64 = 0
    /// Room messages queued for Redis and not accepted: the connection went first.
    public var lost: UInt64 = 0
    /// Nodes with a recent heartbeat, this one included, at the last heartbeat.
    public var nodesAlive = 0
    /// Connected, and this node's view written back: commands that need the cluster work.
    public var connected = false
    /// Times the connection to Redis was lost.
    public var disconnects: UInt64 = 0
    /// Users told `bye,name-lost`.
    public var namesLost: UInt64 = 0
    /// The 99th percentile of command round trips to Redis over the last second, in milliseconds.
    public var roundTripP99Ms = 0.0

    public init() {}

    /// Two nodes' figures as one (the loops of a process that are each a node of a Redis cluster).
    public func adding(_ other: ClusterFigures) -> ClusterFigures {
        var sum = self
        sum.published &+= other.published
        sum.received &+= other.received
        sum.catchUps &+= other.catchUps
        sum.missed &+= other.missed
        sum.lost &+= other.lost
        sum.disconnects &+= other.disconnects
        sum.namesLost &+= other.namesLost
        sum.nodesAlive = max(nodesAlive, other.nodesAlive)
        sum.connected = connected && other.connected
        sum.roundTripP99Ms = max(roundTripP99Ms, other.roundTripP99Ms)
        return sum
    }
}
