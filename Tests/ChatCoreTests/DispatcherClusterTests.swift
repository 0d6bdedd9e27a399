import Testing
@testable import ChatCore

/// A ``ChatWorld`` whose answers the test gives by hand, one request at a time: the
/// dispatcher's side of a cluster without Redis (the real one is tested over sockets).
final class ScriptedCluster: ChatWorld {
    var isAvailable = true
    /// Requests in the order asked, as words, and their answers waiting to be given.
    private(set) var requests: [String] = []
    private var pending: [(ClusterReplyKind) -> Void] = []
    private(set) var said: [String] = []
    private(set) var goneNames: [String] = []

    /// How a test answers whatever the oldest request is.
    enum ClusterReplyKind {
        case done, refused, unavailable, names([String]), joined(members: Int)
    }

    func answer(_ kind: ClusterReplyKind) {
        pending.removeFirst()(kind)
    }

    var waiting: Int { pending.count }

    /// Set: every request gets this answer inside the call that asks it, as a node answers
    /// `unavailable` when it cannot even queue the command.
    var answersAtOnce: ClusterReplyKind?

    private func ask(_ handler: @escaping (ClusterReplyKind) -> Void) {
        if let answersAtOnce { handler(answersAtOnce) } else { pending.append(handler) }
    }

    func claim(_ name: ChatName, for session: Session, then done: @escaping (ClusterReply) -> Void) {
        requests.append("claim \(name)")
        ask { done(Self.reply($0)) }
    }

    func rename(_ session: Session, from old: ChatName, to new: ChatName, then done: @escaping (ClusterReply) -> Void) {
        requests.append("rename \(old) \(new)")
        ask { done(Self.reply($0)) }
    }

    func userNames(then done: @escaping ([ChatName]?) -> Void) {
        requests.append("users")
        ask { kind in
            if case .names(let names) = kind { done(names.compactMap { ChatName($0) }) } else { done(nil) }
        }
    }

    func roomNames(then done: @escaping ([ChatName]?) -> Void) {
        requests.append("rooms")
        ask { kind in
            if case .names(let names) = kind { done(names.compactMap { ChatName($0) }) } else { done(nil) }
        }
    }

    func members(of room: ChatName, then done: @escaping (ClusterMembers) -> Void) {
        requests.append("who \(room)")
        ask { kind in
            if case .names(let names) = kind { done(.members(room: room, names: names.compactMap { ChatName($0) })) } else { done(.noSuchRoom) }
        }
    }

    func chat(from sender: ChatName, to name: ChatName, text: UnsafeRawBufferPointer?, then done: @escaping (ClusterReply) -> Void) {
        requests.append("chat \(sender) \(name) \(text.map { String(decoding: $0, as: UTF8.self) } ?? "-")")
        ask { done(Self.reply($0)) }
    }

    func deliverPending() {}

    func record(of room: ChatName, keep: Int, query: Replay, then done: @escaping (ClusterRecord) -> Void) {
        requests.append("record \(room)")
        ask { _ in done(.unavailable) }
    }

    func join(_ session: Session, as name: ChatName, room: ChatName, replay: Replay, keep: Int, then done: @escaping (ClusterJoin) -> Void) {
        requests.append("join \(name) \(room)")
        ask { kind in
            if case .joined(let members) = kind {
                done(.joined(room: room, members: members, epoch: RoomEpoch(value: 0xabc), lastID: 2,
                             history: [History.Entry(id: 1, millis: 5, from: ChatName("Old")!, text: Array("before".utf8))],
                             recent: [History.Entry(id: 2, millis: 6, from: ChatName("Zed")!, text: Array("meanwhile".utf8))]))
            } else if case .refused = kind {
                done(.roomsFull)
            } else {
                done(.unavailable)
            }
        }
    }

    func say(in room: Room, from session: Session, as sender: ChatName, millis: Int64, text: UnsafeRawBufferPointer) -> Bool {
        guard isAvailable else { return false }
        said.append("\(room.name) \(sender) \(String(decoding: text, as: UTF8.self))")
        return true
    }

    func leave(_ name: ChatName, room: ChatName, localRoom: Room?, then done: @escaping () -> Void) {
        requests.append("leave \(name) \(room)")
        ask { _ in done() }
    }

    func gone(_ name: ChatName, text: UnsafeRawBufferPointer?, voluntary: Bool, notify: Bool, rooms: [Room]) {
        goneNames.append(notify ? name.description : "\(name) silently")
    }

    private static func reply(_ kind: ClusterReplyKind) -> ClusterReply {
        switch kind {
        case .done: .done
        case .refused: .refused
        default: .unavailable
        }
    }
}

@Suite struct DispatcherClusterTests {
    let harness = ChatHarness()
    let cluster = ScriptedCluster()

    init() { harness.dispatcher.world = cluster }

    @Test func linesAfterACommandThatWaitsAreHeldAndAnsweredInOrderAfterIt() {
        let ann = harness.connect()
        ann.send("register,Ann")
        ann.send("ping,1")
        ann.send("list")
        #expect(ann.take() == [], "nothing overtakes the register")
        #expect(cluster.requests == ["claim Ann"])
        cluster.answer(.done)
        #expect(ann.take() == ["ack,Ann", "pong,1"])
        #expect(cluster.requests == ["claim Ann", "users"], "the held list asks in its turn")
        cluster.answer(.names(["Ann", "Bob"]))
        #expect(ann.take() == ["list,Ann,Bob"])
        #expect(ann.session.resumeCount == 1, "the transport reads again once nothing waits")
    }

    /// The transport is reading this very line: asked to read again from inside it, it would
    /// run its line reader within itself (a crash, at Redis's pending-command limit).
    @Test func anAnswerGivenInsideTheRequestDoesNotAskTheTransportToReadAgain() {
        let ann = harness.connect()
        cluster.answersAtOnce = .done
        ann.send("register,Ann")
        #expect(ann.take() == ["ack,Ann"])
        cluster.answersAtOnce = .unavailable
        ann.send("join,lobby")
        ann.send("ping,after")
        #expect(ann.take() == ["error,unavailable", "pong,after"])
        #expect(ann.session.resumeCount == 0, "the transport never stopped reading")
        cluster.answersAtOnce = nil
        ann.send("rooms")
        cluster.answer(.names([]))
        #expect(ann.take() == ["rooms"])
        #expect(ann.session.resumeCount == 1, "an answer that comes later does ask")
    }

    @Test func aClaimRefusedIsNameTakenAsSpelledAndAnUnavailableClusterSaysSo() {
        let ann = harness.connect()
        ann.send("register,ANN")
        cluster.answer(.refused)
        #expect(ann.take() == ["error,name-taken,ANN"])
        ann.send("register,Ann")
        cluster.answer(.unavailable)
        #expect(ann.take() == ["error,unavailable"])
        cluster.isAvailable = false
        #expect(ann.reply(to: "register,Ann") == ["error,unavailable"])
        #expect(ann.reply(to: "ping,2") == ["pong,2"], "ping needs no cluster")
        #expect(cluster.requests == ["claim ANN", "claim Ann"])
    }

    @Test func joinDeliversTheClusterCountHistoryAndWhatWasSaidMeanwhile() {
        let ann = harness.connect()
        ann.send("register,Ann")
        cluster.answer(.done)
        _ = ann.take()
        ann.send("join,lobby")
        ann.send("say,lobby,hello")
        cluster.answer(.joined(members: 7))
        #expect(ann.take() == ["joined,lobby,7", "history,lobby,5,Old,before", "say,lobby,Zed,meanwhile"])
        #expect(cluster.said == ["lobby Ann hello"], "the say went to the cluster, after the join")
        #expect(harness.registry.room(named: ChatName("lobby")!)?.members.count == 1, "only local members are local")
        ann.send("leave,lobby")
        #expect(ann.take() == [], "left waits until the cluster has let go")
        cluster.answer(.done)
        #expect(ann.take() == ["left,lobby"])
        #expect(ann.reply(to: "say,lobby,gone") == ["error,not-in-room,lobby"])
    }

    @Test func aChatToNobodyInTheClusterIsNoSuchUser() {
        let ann = harness.connect()
        ann.send("register,Ann")
        cluster.answer(.done)
        _ = ann.take()
        ann.send("chat,Bob,hi there")
        ann.send("chat,Nobody")
        cluster.answer(.done)
        cluster.answer(.refused)
        #expect(ann.take() == ["error,no-such-user,Nobody"])
        #expect(cluster.requests.suffix(2) == ["chat Ann Bob hi there", "chat Ann Nobody -"])
    }

    @Test func aChatDoesNotHoldLaterLinesOnlyLaterRepliesAndQuitSaysByeLast() {
        let ann = harness.connect()
        ann.send("register,Ann")
        cluster.answer(.done)
        _ = ann.take()
        ann.send("chat,Nobody,one")
        ann.send("chat,Bob,two")
        ann.send("ping,1")
        ann.send("chat,bad name!,x")
        ann.send("quit,done")
        #expect(cluster.requests.suffix(2) == ["chat Ann Nobody one", "chat Ann Bob two"], "both chats went at once")
        #expect(ann.take() == [], "the pong and the error wait behind the first chat")
        cluster.answer(.refused)
        #expect(ann.take() == ["error,no-such-user,Nobody"])
        cluster.answer(.done)
        #expect(ann.take() == ["pong,1", "error,bad-name,bad name!", "bye,quit"])
        #expect(cluster.goneNames == ["Ann"])
    }

    @Test func aSessionGoneWhileItsClaimWaitsGivesTheNameBack() {
        let ann = harness.connect()
        ann.send("register,Ann")
        ann.send("ping,1")
        harness.dispatcher.disconnect(ann.session)
        cluster.answer(.done)
        #expect(ann.take() == [])
        #expect(cluster.goneNames == ["Ann"])
        #expect(harness.registry.user(named: ChatName("Ann")!) == nil)
    }

    @Test func quitLeavesTheClusterAndSaysBye() {
        let ann = harness.connect()
        ann.send("register,Ann")
        cluster.answer(.done)
        _ = ann.take()
        #expect(ann.reply(to: "quit,bye") == ["bye,quit"])
        #expect(cluster.goneNames == ["Ann"])
        #expect(ann.session.closedAfterFlush)
    }

    /// A disconnect that tells nobody (the server stops) says so to the cluster, which decides
    /// whom that spares: the loops of one process all stop, Redis's other nodes do not.
    @Test(arguments: [true, false])
    func aDisconnectTellsTheClusterWhetherToNotify(notify: Bool) {
        let ann = harness.connect()
        ann.send("register,Ann")
        cluster.answer(.done)
        _ = ann.take()
        harness.dispatcher.disconnect(ann.session, notify: notify)
        #expect(cluster.goneNames == [notify ? "Ann" : "Ann silently"])
    }
}
