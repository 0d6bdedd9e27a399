import ChatCore
import Testing
@testable import ChatCluster

@Suite struct ClusterWireTests {
    @Test func anEntryRoundTripsWithCommasAndSpacesInItsText() throws {
        var bytes: [UInt8] = []
        Array("hello, all  and more".utf8).withUnsafeBytes {
            ClusterWire.appendEntry(millis: 1_700_000_000_123, from: ChatName("Ann")!, text: $0, to: &bytes)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "1700000000123 Ann hello, all  and more")
        let entry = try #require(ClusterWire.historyEntry(bytes, id: 7))
        #expect(entry.id == 7)
        #expect(entry.millis == 1_700_000_000_123)
        #expect(entry.from == ChatName("Ann"))
        #expect(String(decoding: entry.text, as: UTF8.self) == "hello, all  and more")
    }

    @Test func anEmptyTextIsAnEntryToo() throws {
        let entry = try #require(ClusterWire.historyEntry(Array("5 Bob ".utf8), id: 1))
        #expect(entry.text.isEmpty)
    }

    @Test(arguments: ["", "x Ann hi", "12", "12 bad!name hi"])
    func aMalformedEntryIsNone(_ text: String) {
        #expect(ClusterWire.historyEntry(Array(text.utf8), id: 1) == nil)
    }

    @Test func anAbsentTextIsADashAndAPresentOneAPlus() {
        #expect(ClusterWire.optionalText(nil) == Array("-".utf8))
        Array("hi there".utf8).withUnsafeBytes { text in
            let written = ClusterWire.optionalText(text)
            #expect(written == Array("+hi there".utf8))
            written.withUnsafeBytes { field in
                #expect(ClusterWire.optionalText(from: field).map { Array($0) } == Array("hi there".utf8))
            }
        }
        Array("-".utf8).withUnsafeBytes { #expect(ClusterWire.optionalText(from: $0) == nil) }
    }

    @Test func wordsKeepTheRestWhole() {
        Array("Q node Ann v lobby,two +bye now".utf8).withUnsafeBytes { raw in
            let words = ClusterWire.words(raw, count: 6).map { String(decoding: $0, as: UTF8.self) }
            #expect(words == ["Q", "node", "Ann", "v", "lobby,two", "+bye now"])
            #expect(ClusterWire.roomNames(UnsafeRawBufferPointer(rebasing: raw[13..<22])) == [ChatName("lobby")!, ChatName("two")!])
        }
    }

    @Test(arguments: [("0", Int64(0)), ("-17", -17), ("9223372036854775807", .max)])
    func decimalsParse(_ text: String, _ value: Int64) {
        Array(text.utf8).withUnsafeBytes { #expect(Int64(ascii: $0) == value) }
    }

    @Test(arguments: ["", "-", "1a", "99999999999999999999", "+1"])
    func nonDecimalsDoNot(_ text: String) {
        Array(text.utf8).withUnsafeBytes { #expect(Int64(ascii: $0) == nil) }
    }
}
