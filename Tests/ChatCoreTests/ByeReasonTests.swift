import Testing
@testable import ChatCore

@Suite struct ByeReasonTests {
    @Test(arguments: [
        (ByeReason.quit, "bye,quit\n"), (.shutdown, "bye,shutdown\n"), (.idleTimeout, "bye,idle-timeout\n"),
        (.serverFull, "bye,server-full\n"), (.slowConsumer, "bye,slow-consumer\n"),
        (.tooManyConnections, "bye,too-many-connections\n"), (.registrationTimeout, "bye,registration-timeout\n"),
        (.nameLost, "bye,name-lost\n"),
    ])
    func lineIsByeCommaReasonLF(_ reason: ByeReason, _ expected: String) {
        #expect(reason.line == Array(expected.utf8))
    }

    @Test func thereAreTheFiveReasonsOfTheSpecAndThisServersThree() {
        #expect(ByeReason.allCases.count == 8)
    }
}
