import ChatCore
import Testing
@testable import ChatCluster

/// The hub of one process's loops, taken step by step as loops take it, without the loops:
/// what each step posts to whom, in what order, and the bound on a loop's inbox.
@Suite struct LoopHubTests {
    private func name(_ text: String) -> ChatName { ChatName(text)! }

    /// One step's room messages from `loop`, as its ``HubWorld`` hands them over.
    private func say(_ state: inout HubState, _ texts: [String], by sender: String, in room: String, loop: Int) -> RoomSays? {
        var text: [UInt8] = []
        var entries: [RoomSays.Entry] = []
        for said in texts {
            text += Array(said.utf8)
            entries.append(RoomSays.Entry(millis: 1, from: name(sender), end: text.count))
        }
        return state.say(in: name(room).folded, entries, text: text, loop: loop)
    }

    private func texts(_ deliveries: [HubDelivery]) -> [String] {
        deliveries.flatMap { delivery -> [String] in
            switch delivery {
            case .says(let says):
                var lines: [String] = []
                says.forEach { entry, id, text in lines.append("\(id) \(entry.from):\(String(decoding: text, as: UTF8.self))") }
                return lines
            case .joined(let room, let name): return ["joined \(room) \(name)"]
            case .left(let room, let name): return ["left \(room) \(name)"]
            case .renamed(let old, let new, let rooms): return ["renamed \(old) \(new) \(rooms.map(\.description))"]
            case .quit(let name, _, let voluntary, _): return ["quit \(name) \(voluntary)"]
            case .chat(let to, let from, let text): return ["chat \(from)>\(to) \(text.map { String(decoding: $0, as: UTF8.self) } ?? "-")"]
            }
        }
    }

    /// Ann on loop 0 and Bob on loop 1 in `Lobby`, with each loop's inbox emptied.
    private func twoLoopsInLobby(maxQueuedBytes: Int = 1 << 20, history: Int = 10) -> LoopHub {
        let hub = LoopHub(loops: 2, historyLimit: history, maxRooms: nil, maxQueuedBytes: maxQueuedBytes)
        for (loop, user) in ["Ann", "Bob"].enumerated() {
            _ = hub.commit(from: loop) { state in
                let claimed = state.claim(name(user), loop: loop)
                _ = state.join(name(user), room: name("Lobby"), loop: loop, keep: 10)
                #expect(claimed)
            }
        }
        _ = hub.take(for: 0)
        _ = hub.take(for: 1)
        return hub
    }

    /// A loop's step first takes what the others posted to it, so its own sessions hear that
    /// before the step's effects; the step posts to the other loops with members, not to itself.
    @Test func aStepTakesWhatCameBeforeItAndPostsOnlyToTheOtherLoops() {
        let hub = twoLoopsInLobby()
        let (_, bobs) = hub.commit(from: 1) { say(&$0, ["b1", "b2"], by: "Bob", in: "lobby", loop: 1) }
        let (earlier, anns) = hub.commit(from: 0) { say(&$0, ["a1"], by: "Ann", in: "LOBBY", loop: 0) }
        #expect(bobs?.firstID == 1 && anns?.firstID == 3, "the room's one sequencer numbers both loops' messages")
        #expect(texts(earlier) == ["1 Bob:b1", "2 Bob:b2"])
        #expect(texts(hub.take(for: 1)) == ["3 Ann:a1"], "loop 1 hears Ann's message, not its own")
        #expect(hub.take(for: 0).isEmpty)
    }

    /// The room's one order: a joiner's history is the room's messages as numbered up to its
    /// join, and what follows reaches its loop after it.
    @Test func aJoinersHistoryIsTheRoomsOrderUpToItsJoin() {
        let hub = twoLoopsInLobby(history: 3)
        _ = hub.commit(from: 0) { _ = say(&$0, ["1", "2"], by: "Ann", in: "lobby", loop: 0) }
        _ = hub.commit(from: 1) { _ = say(&$0, ["3", "4"], by: "Bob", in: "lobby", loop: 1) }
        let (_, outcome) = hub.commit(from: 1) { state in
            _ = state.claim(name("Cy"), loop: 1)
            return state.join(name("Cy"), room: name("lobby"), loop: 1, keep: 10)
        }
        guard case .joined(let room, let members, _, let lastID, let history) = outcome else { Issue.record("\(outcome)"); return }
        #expect(lastID == 4)
        #expect(history.map(\.id) == [2, 3, 4])
        #expect(room == name("Lobby") && room.description == "Lobby", "the room as its creator spelled it")
        #expect(members == 3)
        #expect(history.map { String(decoding: $0.text, as: UTF8.self) } == ["2", "3", "4"], "the last --history messages, in order")
        #expect(texts(hub.take(for: 0)) == ["3 Bob:3", "4 Bob:4", "joined Lobby Cy"])
    }

    /// A loop that does not take its inbox holds back everyone's messages once its inbox
    /// passes the bound, until it has taken them: nothing is dropped, and memory stays bounded.
    @Test func aLoopTooFarBehindHoldsBackMessagesUntilItCatchesUp() {
        let hub = twoLoopsInLobby(maxQueuedBytes: 4096)
        let text = String(repeating: "x", count: 1000)
        var steps = 0
        while !hub.isBacklogged {
            _ = hub.commit(from: 0) { _ = say(&$0, [text], by: "Ann", in: "lobby", loop: 0) }
            steps += 1
            #expect(steps < 10, "the bound holds")
            if steps >= 10 { return }
        }
        #expect(steps == 4, "past 4096 bytes at the fourth message of 1000 (and its entry)")
        #expect(texts(hub.take(for: 1)).count == steps, "every message waits for loop 1; none is dropped")
        #expect(!hub.isBacklogged)
    }

    @Test func namesAreTheProcesssAndARenameMovesItsMemberships() {
        let hub = twoLoopsInLobby()
        let (_, outcomes) = hub.commit(from: 1) { state in
            [state.claim(name("ANN"), loop: 1), state.rename(name("Bob"), to: name("ann"), loop: 1),
             state.rename(name("Bob"), to: name("Rob"), loop: 1), state.rename(name("Rob"), to: name("ROB"), loop: 1)]
        }
        // A name held on another loop is refused, to a claim and to a rename; one's own, spelled anew, is not.
        #expect(outcomes == [false, false, true, true])
        #expect(texts(hub.take(for: 0)) == ["renamed Bob Rob [\"lobby\"]", "renamed Rob ROB [\"lobby\"]"])
        let (_, members) = hub.commit(from: 0) { $0.members(of: name("LOBBY")) }
        #expect(members?.names.map(\.description).sorted() == ["Ann", "ROB"])
    }

    /// A user gone tells the other loops with members in its rooms, unless the process is
    /// stopping (every loop stops with it); its room goes with its last member.
    @Test func aUserGoneTellsTheOtherLoopsAndAnEmptyRoomGoes() {
        let hub = twoLoopsInLobby()
        _ = hub.commit(from: 1) { $0.gone(name("Bob"), text: Array("bye".utf8), voluntary: true, notify: true, loop: 1) }
        #expect(texts(hub.take(for: 0)) == ["quit Bob true"])
        _ = hub.commit(from: 0) { $0.gone(name("Ann"), text: nil, voluntary: false, notify: false, loop: 0) }
        #expect(hub.roomCount == 0)
        let (_, names) = hub.commit(from: 0) { $0.userNames }
        #expect(names.isEmpty)
    }

    @Test func directMessagesGoToTheLoopThatHoldsTheirRecipient() {
        let hub = twoLoopsInLobby()
        let (_, holders) = hub.commit(from: 0) { state in
            [state.chat(to: name("bob"), from: name("Ann"), text: Array("hi".utf8), loop: 0),
             state.chat(to: name("Ann"), from: name("Ann"), text: nil, loop: 0),
             state.chat(to: name("Zed"), from: name("Ann"), text: nil, loop: 0)]
        }
        #expect(holders == [1, 0, nil])
        #expect(texts(hub.take(for: 1)) == ["chat Ann>bob hi"])
        #expect(hub.take(for: 0).isEmpty, "the asking loop delivers its own")
    }

    @Test func maxRoomsCountsEveryLoopsRooms() {
        let hub = LoopHub(loops: 2, historyLimit: 0, maxRooms: 1)
        let (_, outcomes) = hub.commit(from: 0) { state in
            _ = state.claim(name("Ann"), loop: 0)
            _ = state.claim(name("Bob"), loop: 1)
            return [state.join(name("Ann"), room: name("one"), loop: 0, keep: 10), state.join(name("Bob"), room: name("two"), loop: 1, keep: 10),
                    state.join(name("Bob"), room: name("ONE"), loop: 1, keep: 10)]
        }
        #expect(outcomes.map { if case .roomsFull = $0 { "full" } else { "joined" } } == ["joined", "full", "joined"])
    }
}
