/// One thing the chat tells a client, before it is written in any client's words.
///
/// The dispatcher says what happened as an event; an ``EventFormat`` per kind of
/// destination writes it: protocol v1 lines, or a classic dialect's sentences. A
/// fan-out formats an event once per kind of recipient, never once per recipient.
///
/// Byte fields point into the line being handled (or into a room's history) and are
/// valid only during the delivery call that carries the event.
public enum ChatEvent {
    /// `register` or `nick` succeeded; `previous` is the name before a `nick`.
    case ack(name: ChatName, previous: ChatName?)
    /// The answer to `list`: every registered user.
    case userList([ChatName])
    /// A direct message; `text` is nil when the sender left the field out.
    case chat(from: ChatName, text: UnsafeRawBufferPointer?)
    /// The sender joined `room`, which now has `members` members; its record's epoch and
    /// last message id (protocol v2 shows them).
    case joined(room: ChatName, members: Int, epoch: RoomEpoch, lastID: Int64)
    /// One message of a room's history, replayed after ``joined(room:members:epoch:lastID:)``.
    case history(room: ChatName, id: Int64, millis: Int64, from: ChatName, text: UnsafeRawBufferPointer)
    /// Another user joined a room the recipient is in.
    case memberJoined(room: ChatName, name: ChatName)
    /// A message said in a room the recipient is in, with its id in the room.
    case say(room: ChatName, id: Int64, millis: Int64, from: ChatName, text: UnsafeRawBufferPointer)
    /// The sender left `room`.
    case left(room: ChatName)
    /// Another user left a room the recipient is in.
    case memberLeft(room: ChatName, name: ChatName)
    /// The answer to `rooms`.
    case roomList([ChatName])
    /// The answer to `who`.
    case who(room: ChatName, members: [ChatName])
    /// A user the recipient shares a room with changed its name.
    case nick(old: ChatName, new: ChatName)
    /// A user the recipient shares a room with is gone: by `quit` (`voluntary`, with its
    /// text if it gave one) or because its connection closed.
    case quit(name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool)
    /// The answer to `ping`.
    case pong(token: UnsafeRawBufferPointer?)
    /// The answer to `help`: `version` 2 names every verb.
    case help
    /// The answer to `hello`: the version the connection speaks from now on.
    case hello(version: Int)
    /// The end of a replay (protocol v2): `count` messages after a `joined`, whole or not.
    case replayed(room: ChatName, count: Int, complete: Bool)
    /// A command failed; `detail` is what the protocol's error table names.
    case error(ErrorCode, detail: UnsafeRawBufferPointer?)
    /// The last thing said before the server closes the connection.
    case bye(ByeReason)
}
