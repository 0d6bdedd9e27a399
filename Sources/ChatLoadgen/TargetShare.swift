/// One target's part in a run, for the report: how many users were sent to it, and how
/// many of them connected, so that a cluster run shows which node took its share and which did not.
public struct TargetShare: Sendable, Equatable {
    public var target: LoadTarget
    public var users: Int
    public var connected: Int

    public init(target: LoadTarget, users: Int, connected: Int) {
        self.target = target
        self.users = users
        self.connected = connected
    }

    /// `{"target":"host:port","users":N,"connected":N}`.
    var json: String {
        "{\"target\":\(LoadReport.jsonString(target.description)),\"users\":\(users),\"connected\":\(connected)}"
    }

    /// `host:port=users`, as the table lists the targets on one line.
    var cell: String { "\(target)=\(users)" }
}
