import Testing
@testable import ChatCore

/// One parse: the verb, everything after its comma (nil: no comma), and the
/// expected result rendered by `render`, nil meaning `bad-args`.
struct CommandCase: Sendable, CustomTestStringConvertible {
    let verb: Verb
    let arguments: String?
    let expected: String?

    init(_ verb: Verb, _ arguments: String?, _ expected: String?) {
        self.verb = verb
        self.arguments = arguments
        self.expected = expected
    }

    var testDescription: String { "\(verb),\(arguments.map { $0.debugDescription } ?? "nil")" }
}

@Suite struct CommandTests {
    static let cases: [CommandCase] = [
        .init(.register, "Bob", "register[Bob]"),
        .init(.register, " \tBob\t ", "register[Bob]"),
        .init(.register, "bad name!", "register[bad name!]"),   // validated later: bad-name
        .init(.register, nil, nil), .init(.register, "", nil), .init(.register, " \t", nil),
        .init(.register, "a,b", nil),
        .init(.list, nil, "list"), .init(.list, "friends", "list"), .init(.list, "", "list"),
        .init(.list, "a,b", nil), .init(.list, ",", nil),
        .init(.chat, nil, nil), .init(.chat, "", nil), .init(.chat, " ", nil), .init(.chat, ",hi", nil),
        .init(.chat, "Zak", "chat[Zak|nil]"), .init(.chat, "Zak,", "chat[Zak|]"),
        .init(.chat, " Zak\t,  hello, all ", "chat[Zak|  hello, all ]"),
        .init(.join, "lobby", "join[lobby]"), .init(.join, "\t lobby ", "join[lobby]"),
        .init(.join, nil, nil), .init(.join, "", nil), .init(.join, " ", nil), .init(.join, "a,b", nil),
        .init(.join, "a,", nil), .init(.join, "a,b,c,d", nil),
        .init(.join, " lobby , 1f , 42 ", "join[lobby|1f|42]"), .init(.join, "lobby,Zz9,0", "join[lobby|?|0]"),
        .init(.join, "lobby,,1", nil), .init(.join, "lobby,ab-c,1", nil), .init(.join, "lobby,12345678901234567,1", nil),
        .init(.join, "lobby,1f,-1", nil), .init(.join, "lobby,1f,x", nil), .init(.join, ",1f,1", nil),
        .init(.history, "lobby,latest,10", "history[lobby|page(limit: 10)]"),
        .init(.history, "lobby, before ,5,1000", "history[lobby|before(5, limit: 1000)]"),
        .init(.history, "lobby,after,0,1", "history[lobby|after(0, limit: 1)]"),
        .init(.history, "lobby,latest,0", nil), .init(.history, "lobby,latest,1001", nil), .init(.history, "lobby,latest", nil),
        .init(.history, "lobby,before,5", nil), .init(.history, "lobby,newest,5", nil), .init(.history, "lobby,after,x,5", nil),
        .init(.history, ",latest,5", nil), .init(.history, nil, nil), .init(.history, "lobby,latest,5,6", nil),
        .init(.say, nil, nil), .init(.say, "lobby", nil), .init(.say, ",hi", nil), .init(.say, " ,hi", nil),
        .init(.say, "lobby,", "say[lobby|]"), .init(.say, " lobby\t, hi, there ", "say[lobby| hi, there ]"),
        .init(.leave, "lobby", "leave[lobby]"), .init(.leave, nil, nil), .init(.leave, "a,b", nil),
        .init(.rooms, nil, "rooms"), .init(.rooms, "", nil), .init(.rooms, "x", nil),
        .init(.who, " lobby ", "who[lobby]"), .init(.who, nil, nil), .init(.who, "", nil), .init(.who, "a,b", nil),
        .init(.nick, "Robert", "nick[Robert]"), .init(.nick, nil, nil), .init(.nick, "\t", nil),
        .init(.nick, "a,b", nil),
        .init(.quit, nil, "quit[nil]"), .init(.quit, "", "quit[]"), .init(.quit, " bye, now ", "quit[ bye, now ]"),
        .init(.ping, nil, "ping[nil]"), .init(.ping, "", "ping[]"), .init(.ping, " a,b\t", "ping[ a,b\t]"),
        .init(.help, nil, "help"), .init(.help, "", nil), .init(.help, "x", nil),
        .init(.hello, "2", "hello[2]"), .init(.hello, " 1 ", "hello[1]"), .init(.hello, "007", "hello[7]"),
        .init(.hello, "99999999999999999999999", "hello[\(Int.max)]"),
        .init(.hello, nil, nil), .init(.hello, "", nil), .init(.hello, "0", nil), .init(.hello, "-1", nil),
        .init(.hello, "2.0", nil), .init(.hello, "two", nil), .init(.hello, "2,3", nil),
    ]

    @Test(arguments: cases)
    func parsesTheFieldsAfterTheVerb(_ testCase: CommandCase) {
        #expect(parse(testCase.verb, testCase.arguments) == testCase.expected)
    }

    @Test func everyVerbHasCases() {
        #expect(Set(Self.cases.map(\.verb)) == Set(Verb.allCases))
    }

    @Test func textFieldsPointIntoTheLine() {
        let line = Array("Zak,hi".utf8)
        line.withUnsafeBytes { bytes in
            guard case .chat(let to, let text?)? = Command(verb: .chat, arguments: bytes) else {
                Issue.record("not a chat with text")
                return
            }
            #expect(to.baseAddress == bytes.baseAddress)
            #expect(text.baseAddress == bytes.baseAddress.map { $0 + 4 })
        }
    }

    private func parse(_ verb: Verb, _ arguments: String?) -> String? {
        guard let arguments else { return Command(verb: verb, arguments: nil).map(render) }
        return Array(arguments.utf8).withUnsafeBytes { Command(verb: verb, arguments: $0).map(render) }
    }

    private func render(_ command: Command) -> String {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
        func optional(_ bytes: UnsafeRawBufferPointer?) -> String { bytes.map(text) ?? "nil" }
        switch command {
        case .register(let name): return "register[\(text(name))]"
        case .list: return "list"
        case .chat(let to, let body): return "chat[\(text(to))|\(optional(body))]"
        case .join(let room, let resume):
            return "join[\(text(room))\(resume.map { "|\($0.epoch?.description ?? "?")|\($0.after)" } ?? "")]"
        case .say(let room, let body): return "say[\(text(room))|\(text(body))]"
        case .leave(let room): return "leave[\(text(room))]"
        case .rooms: return "rooms"
        case .who(let room): return "who[\(text(room))]"
        case .nick(let name): return "nick[\(text(name))]"
        case .quit(let body): return "quit[\(optional(body))]"
        case .ping(let token): return "ping[\(optional(token))]"
        case .help: return "help"
        case .hello(let version): return "hello[\(version)]"
        case .history(let room, let query): return "history[\(text(room))|\(query)]"
        }
    }
}
