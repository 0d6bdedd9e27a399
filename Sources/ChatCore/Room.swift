/// A room: its members in join order (modulo swap-removal) and its bounded history.
///
/// Both are read or changed on every line said in the room, and only by the registry's
/// own methods, which never reach one while changing it: they are unchecked for
/// exclusivity, like a session's fields (see ``Session``).
public final class Room {
    /// The room's name as its creator wrote it.
    public let name: ChatName
    /// Every session in the room.
    @exclusivity(unchecked) public internal(set) var members: [Session] = []
    /// The last messages said in the room, oldest first.
    @exclusivity(unchecked) public internal(set) var history: History
    /// The room record's epoch: its world's (on one loop, chosen when the room was made).
    public let epoch: RoomEpoch
    /// The id of the room's last message on one loop (a loop or node of several leaves
    /// the numbering to its hub or Redis).
    @exclusivity(unchecked) public internal(set) var lastID: Int64 = 0
    /// Members whose format is not protocol v1: while there are none, a fan-out
    /// sends the same v1 bytes to every member without looking at formats.
    public private(set) var otherFormatMembers = 0

    init(name: ChatName, historyLimit: Int, epoch: RoomEpoch) {
        self.name = name
        self.epoch = epoch
        self.history = History(limit: historyLimit)
    }

    func add(_ session: Session) {
        session.memberships.append(Membership(room: self, index: members.count))
        members.append(session)
        if session.format != .v1 { otherFormatMembers += 1 }
    }

    /// A member's lines are written in another format from now on.
    func memberSwitched(from old: FormatID, to new: FormatID) {
        if old == .v1 && new != .v1 { otherFormatMembers += 1 }
        if old != .v1 && new == .v1 { otherFormatMembers -= 1 }
    }

    /// Removes the session whose membership is at `membershipIndex` in its list.
    func remove(_ session: Session, membershipIndex: Int) {
        let index = session.memberships[membershipIndex].index
        let last = members.removeLast()
        if last !== session {
            members[index] = last
            if let moved = last.membershipIndex(of: self) { last.memberships[moved].index = index }
        }
        session.memberships.swapAt(membershipIndex, session.memberships.count - 1)
        session.memberships.removeLast()
        if session.format != .v1 { otherFormatMembers -= 1 }
    }
}
