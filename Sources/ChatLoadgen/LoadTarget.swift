/// One chat-server node a run loads: a host (a name or an IP literal, IPv6 without brackets)
/// and a port. A run takes several, so that one load spreads over the nodes of a cluster
/// that serve one chat.
public struct LoadTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets: how reports and error messages name the
    /// target, and the WebSocket upgrade's Host header.
    public var description: String { WebSocketUpgrade.hostHeader(host: host, port: port) }

    /// The target user `index` goes to among `count`: users are dealt out in turn, so that
    /// the targets' shares differ by one user at most, whatever the role of each user.
    public static func index(ofUser index: Int, targets count: Int) -> Int { index % count }

    /// How many of `users` go to each of `count` targets, in target order.
    public static func shares(users: Int, targets count: Int) -> [Int] {
        guard count > 0 else { return [] }
        return (0..<count).map { users / count + ($0 < users % count ? 1 : 0) }
    }

    /// Where user `index` stands among the users of its target (0 for the target's first):
    /// what spreads one target's users over every source address.
    static func position(ofUser index: Int, targets count: Int) -> Int { index / count }
}
