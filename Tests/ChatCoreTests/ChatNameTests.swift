import Testing
@testable import ChatCore

@Suite struct ChatNameTests {
    @Test func placeholder() { #expect(ChatName("Bob") != nil) }
}
