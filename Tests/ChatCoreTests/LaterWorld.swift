#if canImport(Glibc)
import Glibc
#endif
@testable import ChatCore

/// A world that answers later: a ``LocalWorld``'s answers, each given only when the test
/// settles (after every line it hands in), as a node of a cluster answers on a later pass.
/// With `CHAT_TEST_WORLD=later` every ``ChatHarness`` runs on one, so the dispatcher's suites
/// check that each command's one set of rules gives the same lines whichever way its world
/// answers.
final class LaterWorld: ChatWorld {
    private let inner: LocalWorld
    private var queue: [() -> Void] = []

    init(inner: LocalWorld) {
        self.inner = inner
    }

    /// Whether the harnesses of this run answer later (`CHAT_TEST_WORLD=later`).
    static let isChosen = getenv("CHAT_TEST_WORLD").map { String(cString: $0) } == "later"

    /// Gives every answer asked for so far, and those they ask for in turn.
    func settle() {
        while !queue.isEmpty { queue.removeFirst()() }
    }

    var isAvailable: Bool { inner.isAvailable }

    func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void) {
        queue.append { [inner] in inner.claim(name, for: session, then: done) }
    }

    func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void) {
        queue.append { [inner] in inner.rename(session, from: old, to: new, then: done) }
    }

    func userNames(then done: @escaping ([ChatName]?) -> Void) {
        queue.append { [inner] in inner.userNames(then: done) }
    }

    func roomNames(then done: @escaping ([ChatName]?) -> Void) {
        queue.append { [inner] in inner.roomNames(then: done) }
    }

    func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        queue.append { [inner] in inner.members(of: room, then: done) }
    }

    func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?,
              then done: @escaping (ClusterReply) -> Void) {
        let text = text.map { Array($0) }
        queue.append { [inner] in
            if let text {
                text.withUnsafeBytes { inner.chat(from: sender, to: name, text: $0, then: done) }
            } else {
                inner.chat(from: sender, to: name, text: nil, then: done)
            }
        }
    }

    func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        queue.append { [inner] in inner.join(session, as: name, room: room, replay: replay, keep: keep, then: done) }
    }

    func deliverPending() { inner.deliverPending() }


    func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void) {
        queue.append { [inner] in inner.record(of: room, keep: keep, query: query, then: done) }
    }

    func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64, text: UnsafeRawBufferPointer) -> Bool {
        inner.say(in: room, from: session, as: sender, millis: millis, text: text)
    }

    func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void) {
        queue.append { [inner] in inner.leave(name, room: room, localRoom: localRoom, then: done) }
    }

    func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room]) {
        inner.gone(name, text: text, voluntary: voluntary, notify: notify, rooms: rooms)
    }
}
