import Testing
@testable import ChatCore

@Suite struct RegistryTests {
    private let registry = Registry(historyLimit: 3)
    private func session(_ name: String? = nil) -> (Session, RecordingSession) {
        let session = RecordingSession()
        if let name { registry.register(session, as: ChatName(name)!) }
        return (session, session)
    }

    private func names<S: Sequence<ChatName>>(_ names: S) -> [String] { names.map(\.description).sorted() }

    private func send(_ text: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func registeredNamesAreFoundCaseInsensitivelyAndShownAsWritten() throws {
        let (bob, _) = session("Bob")
        #expect(registry.userCount == 1)
        #expect(registry.user(named: try #require(ChatName("bOB"))) === bob)
        #expect(registry.user(named: try #require(ChatName("Bo"))) == nil)
        #expect(names(registry.userNames) == ["Bob"])
        #expect(bob.name == ChatName("Bob"))
    }

    @Test func renameFreesTheOldNameAndKeepsTheNewSpelling() throws {
        let (bob, _) = session("Bob")
        registry.rename(bob, to: try #require(ChatName("Robert")))
        #expect(registry.user(named: try #require(ChatName("bob"))) == nil)
        #expect(registry.user(named: try #require(ChatName("ROBERT"))) === bob)
        registry.rename(bob, to: try #require(ChatName("ROBERT")))
        #expect(names(registry.userNames) == ["ROBERT"])
        #expect(registry.userCount == 1)
    }

    @Test func aRoomIsCreatedByItsFirstJoinAndShownAsTheCreatorWroteIt() throws {
        let (jane, _) = session("Jane"), (zak, _) = session("Zak")
        let room = registry.join(jane, roomNamed: try #require(ChatName("Lobby")), epoch: RoomEpoch(value: 1))
        #expect(registry.join(zak, roomNamed: try #require(ChatName("LOBBY")), epoch: RoomEpoch(value: 1)) === room)
        #expect(room.name.description == "Lobby")
        #expect(room.members.map { $0 === jane || $0 === zak } == [true, true])
        #expect(registry.roomCount == 1)
        #expect(names(registry.roomNames) == ["Lobby"])
        #expect(registry.room(named: try #require(ChatName("lobby"))) === room)
        #expect(room.history.limit == 3)
        #expect(jane.roomCount == 1)
    }

    @Test func theLastLeaveRemovesTheRoomWithItsHistory() throws {
        let (jane, _) = session("Jane")
        let room = registry.join(jane, roomNamed: try #require(ChatName("lobby")), epoch: RoomEpoch(value: 1))
        send("hello") { room.history.append(id: 1, millis: 1, from: jane.name!, text: $0) }
        registry.leave(room, session: jane, membershipIndex: try #require(jane.membershipIndex(of: room)))
        #expect(registry.roomCount == 0)
        #expect(registry.room(named: try #require(ChatName("lobby"))) == nil)
        let again = registry.join(jane, roomNamed: try #require(ChatName("LOBBY")), epoch: RoomEpoch(value: 1))
        #expect(again !== room)
        #expect(again.history.count == 0)
        #expect(again.name.description == "LOBBY")
    }

    @Test func leavingKeepsTheOtherMembersAndTheirIndicesRight() throws {
        let members = (1...4).map { session("u\($0)").0 }
        let lobby = try #require(ChatName("lobby")), cellar = try #require(ChatName("cellar"))
        for member in members { _ = registry.join(member, roomNamed: lobby, epoch: RoomEpoch(value: 1)) }
        for member in members.reversed() { _ = registry.join(member, roomNamed: cellar, epoch: RoomEpoch(value: 1)) }
        let room = try #require(registry.room(named: lobby))
        for leaving in [members[1], members[0], members[3]] {
            registry.leave(room, session: leaving, membershipIndex: try #require(leaving.membershipIndex(of: room)))
            for member in room.members {
                let membership = try #require(member.memberships.first { $0.room === room })
                #expect(room.members[membership.index] === member)
            }
        }
        #expect(room.members.count == 1 && room.members[0] === members[2])
        #expect(registry.room(named: cellar)?.members.count == 4)
    }

    @Test func unregisterLeavesEveryRoomAndFreesTheName() throws {
        let (jane, _) = session("Jane"), (zak, _) = session("Zak")
        for room in ["a", "b", "c"] { _ = registry.join(jane, roomNamed: try #require(ChatName(room)), epoch: RoomEpoch(value: 1)) }
        _ = registry.join(zak, roomNamed: try #require(ChatName("b")), epoch: RoomEpoch(value: 1))
        registry.unregister(jane)
        #expect(jane.name == nil)
        #expect(jane.roomCount == 0)
        #expect(registry.user(named: try #require(ChatName("jane"))) == nil)
        #expect(names(registry.roomNames) == ["b"])
        #expect(registry.room(named: try #require(ChatName("b")))?.members.count == 1)
        #expect(registry.userCount == 1)
    }

    @Test func broadcastReachesEveryMemberButTheSender() throws {
        let (jane, janeOut) = session("Jane"), (zak, zakOut) = session("Zak"), (amy, amyOut) = session("Amy")
        let (_, outsiderOut) = session("Out")
        let room = registry.join(jane, roomNamed: try #require(ChatName("r")), epoch: RoomEpoch(value: 1))
        _ = registry.join(zak, roomNamed: try #require(ChatName("r")), epoch: RoomEpoch(value: 1))
        _ = registry.join(amy, roomNamed: try #require(ChatName("r")), epoch: RoomEpoch(value: 1))
        send("line") { registry.broadcast(.pong(token: $0), in: room, except: jane) }
        #expect(janeOut.lines.isEmpty)
        #expect(zakOut.lines == ["pong,line"])
        #expect(amyOut.lines == ["pong,line"])
        #expect(outsiderOut.lines.isEmpty)
        send("direct") { registry.deliver(.pong(token: $0), to: jane) }
        #expect(janeOut.lines == ["pong,direct"])
    }

    @Test func roomMatesGetANoticeOncePerRecipient() throws {
        let (jane, janeOut) = session("Jane"), (zak, zakOut) = session("Zak"), (amy, amyOut) = session("Amy")
        let (loner, lonerOut) = session("Loner")
        for room in ["a", "b", "c"] {
            _ = registry.join(jane, roomNamed: try #require(ChatName(room)), epoch: RoomEpoch(value: 1))
            _ = registry.join(zak, roomNamed: try #require(ChatName(room)), epoch: RoomEpoch(value: 1))
        }
        _ = registry.join(amy, roomNamed: try #require(ChatName("c")), epoch: RoomEpoch(value: 1))
        _ = registry.join(loner, roomNamed: try #require(ChatName("elsewhere")), epoch: RoomEpoch(value: 1))
        for notice in ["first", "second"] {
            send(notice) { registry.broadcastToRoomMates(of: jane, .pong(token: $0)) }
        }
        #expect(janeOut.lines.isEmpty)
        #expect(zakOut.lines == ["pong,first", "pong,second"])
        #expect(amyOut.lines == ["pong,first", "pong,second"])
        #expect(lonerOut.lines.isEmpty)
        send("from amy") { registry.broadcastToRoomMates(of: amy, .pong(token: $0)) }
        #expect(janeOut.lines == ["pong,from amy"])
        #expect(zakOut.lines == ["pong,first", "pong,second", "pong,from amy"])
    }
}
