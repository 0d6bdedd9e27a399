import Testing
@testable import ChatCommandLine

@Suite struct EnvironmentDefaultsTests {
    @Test func aFlagNamesItsVariable() {
        #expect(EnvironmentDefaults.variable(for: "--max-line") == "CHAT_MAX_LINE")
        #expect(EnvironmentDefaults.variable(for: "--port") == "CHAT_PORT")
    }

    @Test func aVariableFillsInAnAbsentFlag() {
        let merged = EnvironmentDefaults.merge(arguments: ["--host", "::1"], flags: ["--host", "--port"],
                                               environment: ["CHAT_PORT": "9000", "CHAT_HOST": "10.0.0.1"])
        #expect(merged == ["--host", "::1", "--port=9000"])
    }

    @Test func theFlagWinsInEitherSpelling() {
        for arguments in [["--port", "1"], ["--port=1"]] {
            #expect(EnvironmentDefaults.merge(arguments: arguments, flags: ["--port"], environment: ["CHAT_PORT": "2"])
                == arguments)
        }
    }

    @Test func nothingIsAddedAfterATerminator() {
        let merged = EnvironmentDefaults.merge(arguments: ["--", "--port"], flags: ["--port"], environment: ["CHAT_PORT": "2"])
        #expect(merged == ["--port=2", "--", "--port"])
    }

    @Test func otherVariablesAreIgnored() {
        #expect(EnvironmentDefaults.merge(arguments: [], flags: ["--port"], environment: ["PORT": "2", "CHAT_HOST": "x"]) == [])
    }
}
