import Testing
import ChatCore
import ChatDialects

/// A fan-out writes its event once per format and hands each member its format's bytes.
@Suite struct FanOutTests {
    @Test func oneV1SayReachesEveryMemberInItsOwnWords() {
        let harness = DialectHarness()
        let sender = harness.v1("Vee")
        let v1 = ["V1", "V2", "V3"].map { harness.v1($0) }
        let nicknames = ["Ann", "Bob", "Cat"].map { harness.nickname($0) }
        let telnets = (1...3).map { harness.telnet(port: 40_000 + $0) }
        let classic = harness.classic("Cla")
        classic.send("join,lobby")
        harness.clearAll()
        let everyone = v1 + nicknames + telnets + [classic]
        let sendsBefore = everyone.map(\.session.sendCount)

        #expect(sender.reply(to: "say,lobby,hello all").isEmpty)
        let v1Bytes = v1.map { $0.take() }
        for bytes in v1Bytes { #expect(bytes == "say,lobby,Vee,hello all\n") }
        #expect(Set(v1Bytes.map(\.bytes)).count == 1)
        for member in nicknames { #expect(member.take() == "Vee: hello all\n") }
        let stamp = asctimeStamp(millis: harness.now)
        for member in telnets { #expect(member.take() == "At \(stamp) -- Message from Vee:\r\n\thello all\r\n") }
        #expect(classic.take() == "say,lobby,Vee,hello all\n")
        #expect(zip(everyone, sendsBefore).map { $0.session.sendCount - $1 } == Array(repeating: 1, count: everyone.count),
                "one send per member")
    }

    @Test func eachFormatIsWrittenOncePerFanOut() {
        var counters: [CountingFormat] = []
        let harness = DialectHarness { dialects in
            counters = dialects.formats.map { CountingFormat(wrapping: $0) }
            return counters
        }
        let sender = harness.v1("Vee")
        _ = (1...3).map { harness.v1("V\($0)") }
        let nicknames = ["Ann", "Bob", "Cat"].map { harness.nickname($0) }
        let telnets = (1...3).map { harness.telnet(port: 40_000 + $0) }
        let before = counters.map(\.writes)

        sender.send("say,lobby,hello")
        let written = zip(counters, before).map { $0.writes - $1 }
        #expect(written == [0, 1, 1], "classic (no members), nickname once, telnet once")
        for member in nicknames { #expect(member.take() == "Vee: hello\n") }
        let stamp = asctimeStamp(millis: harness.now)
        for member in telnets { #expect(member.take() == "At \(stamp) -- Message from Vee:\r\n\thello\r\n") }
    }

    @Test func aBroadcastToFiveMembersOfOneFormatWritesOnce() {
        let counter = CountingFormat()
        let harness = DialectHarness { $0.formats + [counter] }
        let counted = FormatID(index: Dialect.allCases.count + 2)
        let sender = harness.v1("Vee")
        let members = (1...5).map { harness.v1("C\($0)", format: counted) }
        let plain = harness.v1("Plain")
        let before = counter.writes

        sender.send("say,lobby,hi")
        #expect(counter.writes - before == 1)
        for member in members + [plain] { #expect(member.take() == "say,lobby,Vee,hi\n") }
    }

    @Test func aNoticeToRoomMatesWritesOncePerFormatAcrossRooms() {
        let counter = CountingFormat()
        let harness = DialectHarness { $0.formats + [counter] }
        let counted = FormatID(index: Dialect.allCases.count + 2)
        let sender = harness.v1("Vee")
        sender.send("join,other")
        let members = (1...5).map { harness.v1("C\($0)", format: counted) }
        for member in members { member.send("join,other") }
        harness.clearAll()
        let before = counter.writes

        sender.send("nick,Val")
        #expect(counter.writes - before == 1)
        for member in members { #expect(member.take() == "nick,Vee,Val\n", "once, though two rooms are shared") }
    }

    @Test func aTelnetSayReachesEveryMemberInItsOwnWords() {
        let harness = DialectHarness()
        let vee = harness.v1("Vee")
        let ann = harness.nickname("Ann")
        let other = harness.telnet(port: 2222)
        let sender = harness.telnet(port: 54321)
        let stamp = asctimeStamp(millis: harness.now)
        #expect(sender.reply(to: "hé") == "At \(stamp) -- Message from 127.0.0.1_54321:\r\n\thé\r\n")
        #expect(vee.take() == "say,lobby,127.0.0.1_54321,hé\n")
        #expect(ann.take() == "127.0.0.1_54321: h?\n")
        #expect(other.take() == "At \(stamp) -- Message from 127.0.0.1_54321:\r\n\thé\r\n")
    }
}
