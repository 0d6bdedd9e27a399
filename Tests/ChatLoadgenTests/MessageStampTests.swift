import ChatCore
import Testing
@testable import ChatLoadgen

@Suite struct MessageStampTests {
    @Test(arguments: [
        MessageStamp(sequence: 0, sentMicros: 0),
        MessageStamp(sequence: 1, sentMicros: 1000),
        MessageStamp(sequence: 123_456, sentMicros: 1_733_000_000_123_456),
        MessageStamp(sequence: UInt64(Int64.max), sentMicros: UInt64(Int64.max)),
    ])
    func roundTripsThroughLineBuilder(stamp: MessageStamp) {
        var line = LineBuilder(capacity: 64)
        stamp.append(to: &line)
        let text = line.withBytes { String(decoding: $0, as: UTF8.self) }
        #expect(text == "\(stamp.sequence) \(stamp.sentMicros)")
        #expect(line.withBytes { MessageStamp($0) } == stamp)
    }

    @Test func acceptsNineteenDigits() {
        let stamp = withBytes("9999999999999999999 1") { MessageStamp($0) }
        #expect(stamp == MessageStamp(sequence: 9_999_999_999_999_999_999, sentMicros: 1))
    }

    @Test(arguments: [
        "", " ", "12", "12 ", " 12", "a 1", "1 a", "1  2", "1 2 3", "-1 2", "1 -2", "+1 2", "1 2x", "1,2",
        "12345678901234567890 1", "1 12345678901234567890", "1 123456789012345678901234",
    ])
    func rejectsGarbage(text: String) {
        #expect(withBytes(text) { MessageStamp($0) } == nil)
    }
}
