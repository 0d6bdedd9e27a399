import Testing
@testable import ChatCore

@Suite struct VerbTests {
    private func verb(_ text: String) -> Verb? {
        Array(text.utf8).withUnsafeBytes { Verb($0) }
    }

    private func spelling(_ verb: Verb) -> String {
        verb.spelling.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }

    @Test func thereAreTheTwelveVerbsOfVersion1AndThoseOfVersion2() {
        #expect(Verb.allCases.map(spelling) == [
            "register", "list", "chat", "join", "say", "leave", "rooms", "who", "nick", "quit", "ping", "help", "hello", "history",
        ])
    }

    @Test(arguments: Verb.allCases)
    func matchesItsOwnSpellingInAnyCase(_ expected: Verb) {
        let lower = spelling(expected)
        #expect(verb(lower) == expected)
        #expect(verb(lower.uppercased()) == expected)
        let mixed = String(lower.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.uppercased()) : $0.element })
        #expect(verb(mixed) == expected)
    }

    @Test func matchesTheExamplesOfTheSpec() {
        #expect(verb("REGISTER") == .register)
        #expect(verb("PiNg") == .ping)
        #expect(verb("Quit") == .quit)
    }

    @Test(arguments: ["", "r", "re", "sa", "registe", "registers", "registerx", "pingpong", "pin", "pingg",
                      " ping", "ping ", "pi ng", "p1ng", "çhat", "ＰＩＮＧ", "chat,", "lists", "whoo", "ROOM"])
    func rejectsAnythingElse(_ text: String) {
        #expect(verb(text) == nil)
    }

    @Test func foldsOnlyASCIILetters() {
        // "say" with its "a" altered outside A-Z: high bit set, or the control byte 0x01.
        for middle: UInt8 in [0xE1, 0xC1, 0x01, 0x41 ^ 0x20 ^ 0x80] {
            #expect([UInt8(ascii: "s"), middle, UInt8(ascii: "y")].withUnsafeBytes { Verb($0) } == nil, "\(middle)")
        }
    }

    @Test func rejectsAVerbPaddedWithNULBytes() {
        // Not reachable through the dispatcher (NUL is bad-utf8 first), but
        // `Verb.init` promises an exact case-insensitive match.
        #expect(verb("say\u{0}") == nil)
        #expect(verb("ping\u{0}\u{0}") == nil)
    }

    @Test func onlyRegisterPingHelpQuitAndHelloWorkBeforeRegistering() {
        let open = Verb.allCases.filter { !$0.needsRegistration }
        #expect(Set(open) == [.register, .ping, .help, .quit, .hello])
    }
}
