import Foundation
import Testing
@testable import ChatCommandLine

@Suite struct ChatLogHandlerTests {
    private let fields = [("ts", "2026-11-23T09:00:00.000Z"), ("level", "info"), ("msg", "a \"quoted\" message"),
                          ("connections", "12"), ("loop_lag_ms", "0.5"), ("name", "007"), ("address", "0.0.0.0:7420")]

    @Test func textIsKeyValueWithQuotesOnlyWhereNeeded() {
        #expect(ChatLogHandler.keyValue(fields) == "ts=2026-11-23T09:00:00.000Z level=info msg=\"a \\\"quoted\\\" message\" "
            + "connections=12 loop_lag_ms=0.5 name=007 address=0.0.0.0:7420")
        #expect(ChatLogHandler.keyValue([("empty", "")]) == "empty=\"\"")
    }

    @Test func jsonIsOneObjectWithNumbersAsNumbers() throws {
        let line = ChatLogHandler.json(fields)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "a \"quoted\" message")
        #expect(object["connections"] as? Int == 12)
        #expect(object["loop_lag_ms"] as? Double == 0.5)
        #expect(object["name"] as? String == "007", "a leading zero keeps it a string")
        #expect(object["address"] as? String == "0.0.0.0:7420")
    }

    @Test func controlCharactersAreEscaped() throws {
        let line = ChatLogHandler.json([("msg", "tab\there\nnew\u{1}")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "tab\there\nnew\u{1}")
        #expect(!line.contains("\n"))
    }

    @Test(arguments: ["0", "12", "-3", "0.5", "123456789012345"])
    func numbers(value: String) { #expect(ChatLogHandler.isNumber(value)) }

    @Test(arguments: ["", "-", "1.", ".5", "01", "1e5", "1.2.3", "12a", "١٢", "1234567890123456", "NaN"])
    func notNumbers(value: String) { #expect(!ChatLogHandler.isNumber(value)) }
}
