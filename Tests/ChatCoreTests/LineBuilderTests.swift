import Testing
@testable import ChatCore

@Suite struct LineBuilderTests {
    private func text(_ builder: LineBuilder) -> String {
        builder.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    @Test func appendsEveryKindOfPiece() throws {
        var builder = LineBuilder()
        builder.append("say,")
        Array("lobby".utf8).withUnsafeBytes { builder.append($0) }
        builder.appendComma()
        builder.append(try #require(ChatName("Zak")))
        builder.append(UInt8(ascii: ","))
        builder.append("héllo")
        builder.appendNewline()
        #expect(text(builder) == "say,lobby,Zak,héllo\n")
        #expect(builder.count == "say,lobby,Zak,héllo\n".utf8.count)
    }

    @Test func resetEmptiesTheBuffer() {
        var builder = LineBuilder(capacity: 4)
        builder.append("something longer than the capacity")
        builder.reset()
        #expect(builder.count == 0)
        builder.append("pong")
        #expect(text(builder) == "pong")
    }

    @Test(arguments: [
        (0, "0"), (7, "7"), (10, "10"), (1_700_000_000_123, "1700000000123"), (-1, "-1"), (-120, "-120"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ] as [(Int64, String)])
    func formatsDecimals(_ value: Int64, _ expected: String) {
        var builder = LineBuilder()
        builder.append(decimal: value)
        #expect(text(builder) == expected)
    }
}
