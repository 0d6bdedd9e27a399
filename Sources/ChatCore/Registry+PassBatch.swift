/// Room fan-outs gathered over one loop pass and written to each member once, at the end
/// of the pass, rather than line by line as they are said.
///
/// On the 100-member fan-out a pass reads a few hundred lines, and writing each line to
/// each member (a length check, an `evbuffer_add` and a small copy every time) was about
/// a quarter of the server's time. Gathered, a line is formatted once into the batch, and
/// a member is written one or two slices of it a pass: what others said before its own
/// lines, and after them.
///
/// Every member still gets its lines in the order they were said, because:
/// - one room's batch is open at a time: a fan-out to another room, or to a room with
///   members in another format, or a notice to several rooms, first settles it;
/// - each member keeps a cursor into the batch (``Session/batchCursor``): anything else
///   written to a member of the batch's room first writes what the member is due, and a
///   member's own lines are skipped by moving its cursor past them;
/// - a member that joins starts at the batch's end, and one that leaves is written what
///   it is due first.
///
/// Invariants: with no batch open the batch is empty and every cursor is zero; a cursor is
/// at most the batch's length, and non-zero only for a member of the batch's room.
///
/// The batch is bounded: past ``passBatchLimit`` bytes it is settled at once.
extension Registry {
    /// The most bytes a batch gathers before it is written out within the pass.
    static let passBatchLimit = 65536

    /// The pass's callbacks are done: every member of the batch's room is written what it
    /// is due, before the transport writes its sockets.
    public func endPass() {
        settlePassBatch()
    }

    /// Adds the event's v1 lines to the room's batch, opening it (and settling another room's) if needed.
    func gather(_ event: ChatEvent, in room: Room, except sender: Session?) {
        if room !== batchRoom {
            settlePassBatch()
            batchRoom = room
            onPassBatchOpened?()
        }
        // A sender outside the room (a notice about a user of another node) skips nothing.
        let skipped = sender.flatMap { sender in sender.memberships.contains { $0.room === room } ? sender : nil }
        if let skipped { catchUp(skipped) }
        V1Format.write(event, into: &batchLines)
        if let skipped { skipped.batchCursor = batchLines.count }
        deliveries &+= UInt64(room.members.count - (skipped == nil ? 0 : 1))
        if batchLines.count >= Self.passBatchLimit { settlePassBatch() }
    }

    /// Writes every member of the batch's room what it is due, and empties the batch.
    func settlePassBatch() {
        guard let room = batchRoom else { return }
        batchRoom = nil
        let end = batchLines.count
        batchLines.withBytes { lines in
            // Borrowed without retains, as a fan-out borrows them: the room holds every member.
            room.members.withUnsafeBufferPointer { members in
                members.withMemoryRebound(to: Unmanaged<Session>.self) { borrowed in
                    for member in borrowed {
                        member._withUnsafeGuaranteedRef { member in
                            let start = member.batchCursor
                            member.batchCursor = 0
                            if start < end { member.send(UnsafeRawBufferPointer(rebasing: lines[start..<end])) }
                        }
                    }
                }
            }
        }
        batchLines.reset()
    }

    /// Writes a member of the batch's room what it is due so far.
    func catchUp(_ member: Session) {
        let start = member.batchCursor
        let end = batchLines.count
        guard start < end else { return }
        member.batchCursor = end
        batchLines.withBytes { lines in member.send(UnsafeRawBufferPointer(rebasing: lines[start..<end])) }
    }

    /// A member leaves the batch's room: it is written what was said before it left, and
    /// its cursor goes back to zero, as for any session outside the room.
    func leaveBatch(_ member: Session) {
        catchUp(member)
        member.batchCursor = 0
    }
}
