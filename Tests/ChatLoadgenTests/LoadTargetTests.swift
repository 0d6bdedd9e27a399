import Testing
@testable import ChatLoadgen

/// `--host`'s targets: what each form reads as, what is refused and why, and how users are dealt out.
@Suite struct LoadTargetTests {
    private func parse(_ arguments: String..., port: Int = 7420) throws -> [LoadTarget] {
        try LoadTarget.parse(arguments, defaultPort: port)
    }

    private func target(_ host: String, _ port: Int = 7420) -> LoadTarget { LoadTarget(host: host, port: port) }

    @Test func oneHostTakesTheDefaultPort() throws {
        #expect(try parse("127.0.0.1") == [target("127.0.0.1")])
        #expect(try parse("chat.example", port: 7443) == [target("chat.example", 7443)])
    }

    @Test func aPortAfterAColonWins() throws {
        #expect(try parse("node1:5000") == [target("node1", 5000)])
        #expect(try parse("10.0.0.2:1", port: 9) == [target("10.0.0.2", 1)])
        #expect(try parse("h:65535") == [target("h", 65535)])
    }

    @Test func ipv6GoesInBracketsOrBareWithoutAPort() throws {
        #expect(try parse("[::1]:5000") == [target("::1", 5000)])
        #expect(try parse("[::1]") == [target("::1")])
        #expect(try parse("[fe80::1%eth0]:8") == [target("fe80::1%eth0", 8)])
        #expect(try parse("::1") == [target("::1")])
        #expect(try parse("2001:db8::7") == [target("2001:db8::7")])
    }

    @Test func aCommaListAndRepeatedArgumentsKeepTheirOrderAndDuplicates() throws {
        #expect(try parse("a:1,b,[::1]:3") == [target("a", 1), target("b"), target("::1", 3)])
        #expect(try parse("a:1", "b:2,a:1") == [target("a", 1), target("b", 2), target("a", 1)])
        #expect(try parse("h:5,h:5") == [target("h", 5), target("h", 5)])
    }

    @Test func blanksAroundEachTargetAreDropped() throws {
        #expect(try parse(" a:1 ,\tb ") == [target("a", 1), target("b")])
    }

    @Test(arguments: [
        ("", LoadTargetError.emptyTarget(argument: "")),
        ("a,,b", .emptyTarget(argument: "a,,b")),
        ("a,", .emptyTarget(argument: "a,")),
        (",a", .emptyTarget(argument: ",a")),
        ("a, ,b", .emptyTarget(argument: "a, ,b")),
        (":7420", .noHost(target: ":7420")),
        ("[]:7420", .noHost(target: "[]:7420")),
        ("h:", .badPort(target: "h:")),
        ("h:0", .badPort(target: "h:0")),
        ("h:65536", .badPort(target: "h:65536")),
        ("h:123456", .badPort(target: "h:123456")),
        ("h:+80", .badPort(target: "h:+80")),
        ("h:-1", .badPort(target: "h:-1")),
        ("h:8x", .badPort(target: "h:8x")),
        ("[::1]:", .badPort(target: "[::1]:")),
        ("[::1]:http", .badPort(target: "[::1]:http")),
        ("[::1", .badBrackets(target: "[::1")),
        ("[::1]5000", .badBrackets(target: "[::1]5000")),
        ("[[::1]]:5", .badBrackets(target: "[[::1]]:5")),
        ("::1]:5", .badBrackets(target: "::1]:5")),
    ])
    func badTargetsAreRefusedNamingThem(argument: String, error: LoadTargetError) {
        #expect(throws: error) { try LoadTarget.parse(["good:1", argument], defaultPort: 7420) }
    }

    @Test func noArgumentIsRefused() {
        #expect(throws: LoadTargetError.none) { try LoadTarget.parse([], defaultPort: 7420) }
    }

    @Test func errorsQuoteTheTextAtFault() {
        #expect(LoadTargetError.badPort(target: "h:0").description.contains("\"h:0\""))
        #expect(LoadTargetError.emptyTarget(argument: "a,,b").description.contains("\"a,,b\""))
        #expect(LoadTargetError.noHost(target: ":1").description.contains("\":1\""))
        #expect(LoadTargetError.badBrackets(target: "[::1").description.contains("[ADDRESS]:PORT"))
    }

    @Test func descriptionBracketsIPv6() {
        #expect(target("node1", 5).description == "node1:5")
        #expect(target("::1", 5).description == "[::1]:5")
    }

    @Test func usersAreDealtOutInTurn() {
        #expect((0..<7).map { LoadTarget.index(ofUser: $0, targets: 3) } == [0, 1, 2, 0, 1, 2, 0])
        #expect((0..<7).map { LoadTarget.position(ofUser: $0, targets: 3) } == [0, 0, 0, 1, 1, 1, 2])
        #expect((0..<4).map { LoadTarget.index(ofUser: $0, targets: 1) } == [0, 0, 0, 0])
    }

    @Test func sharesDifferByOneAtMostAndAddUp() {
        #expect(LoadTarget.shares(users: 50, targets: 2) == [25, 25])
        #expect(LoadTarget.shares(users: 7, targets: 3) == [3, 2, 2])
        #expect(LoadTarget.shares(users: 3, targets: 1) == [3])
        #expect(LoadTarget.shares(users: 5, targets: 0) == [])
        for users in 1...40 {
            for count in 1...6 {
                let shares = LoadTarget.shares(users: users, targets: count)
                #expect(shares.reduce(0, +) == users)
                #expect(shares.max()! - shares.min()! <= 1)
                // The same as counting the users dealt out one by one.
                let dealt = (0..<users).reduce(into: Array(repeating: 0, count: count)) {
                    $0[LoadTarget.index(ofUser: $1, targets: count)] += 1
                }
                #expect(shares == dealt)
            }
        }
    }
}
