import Foundation
import Testing

/// Flags, their `CHAT_*` environment variables, logging, and start-up failures.
@Suite struct ConfigurationTests {
    static let flags = ["--host", "--port", "--max-line", "--history", "--drain-timeout", "--log-level", "--log-format"]

    @Test(arguments: [([String](), ["CHAT_MAX_LINE": "16"], 16),
                      (["--max-line", "32"], ["CHAT_MAX_LINE": "16"], 32),
                      (["--max-line=32"], ["CHAT_MAX_LINE": "16"], 32),
                      (["--max-line=16"], [:], 16)])
    func maxLineComesFromTheFlagOrElseTheEnvironment(arguments: [String], environment: [String: String],
                                                     limit: Int) throws {
        let server = try ServerProcess.start(arguments, environment: environment)
        let client = try server.connect()
        let atLimit = LineLimitTests.ping(length: limit)
        try client.send("\(atLimit)\n\(LineLimitTests.ping(length: limit + 1))\n")
        try client.expect(lines: ["pong," + atLimit.dropFirst(5), "error,line-too-long,\(limit)"])
        #expect(try client.sync() == [])
    }

    @Test func theListeningLineInTextFormat() throws {
        let server = try ServerProcess.start()
        let line = try server.stderr.waitForLine(timeout: 5) { $0.contains("msg=listening") }
        let fields = line.split(separator: " ").map(String.init)
        #expect(fields.first?.hasPrefix("ts=") == true, "got \(line)")
        #expect(Array(fields.dropFirst().prefix(2)) == ["level=info", "msg=listening"], "got \(line)")
        #expect(fields.contains("address=127.0.0.1:\(server.port)"), "got \(line)")
    }

    @Test(arguments: [(["--log-format", "json"], [String: String]()), ([], ["CHAT_LOG_FORMAT": "json"])])
    func jsonLogFormatWritesOneObjectPerLine(arguments: [String], environment: [String: String]) throws {
        let server = try ServerProcess.start(arguments, environment: environment)
        let line = try server.stderr.waitForLine(timeout: 5) { $0.contains("listening") }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == "listening")
        #expect(object["address"] as? String == "127.0.0.1:\(server.port)")
        #expect((object["ts"] as? String)?.hasSuffix("Z") == true, "ts should be a UTC timestamp: \(line)")
        // Every later line too, up to the last one at exit.
        server.signal(SIGTERM)
        #expect(try server.waitForExit() == .exit(0))
        for line in try server.stderr.waitForEnd().split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
        }
    }

    /// Several loops share their port with SO_REUSEPORT, which would let a second server with
    /// several loops bind it too: it must fail all the same.
    @Test(arguments: ["1", "2"])
    func aPortInUseFailsWithExitOneAndSaysWhy(loops: String) throws {
        let first = try ServerProcess.start(["--loops", loops])
        let second = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "\(first.port)", "--loops", loops])
        #expect(try second.waitForExit() == .exit(1))
        let line = try second.stderr.waitForLine(timeout: 5) { $0.contains("cannot start") }
        #expect(line.contains("level=error"))
        #expect(line.contains("cannot listen"), "got \(line)")
        #expect(line.contains("Address already in use"), "got \(line)")
        #expect(!second.stderr.text.contains("msg=listening"))
        // The first server is unaffected.
        let client = try first.connect()
        #expect(try client.sync() == [])
    }

    @Test func thePortComesFromTheEnvironmentAndTheFlagWins() throws {
        let first = try ServerProcess.start()
        let fromEnvironment = try ServerProcess(arguments: ["--host", "127.0.0.1"],
                                                environment: ["CHAT_PORT": "\(first.port)"])
        #expect(try fromEnvironment.waitForExit() == .exit(1))
        _ = try fromEnvironment.stderr.waitForLine(timeout: 5) { $0.contains("cannot listen") }
        let flagWins = try ServerProcess.start(environment: ["CHAT_PORT": "\(first.port)"])
        #expect(flagWins.port != first.port)
        let client = try flagWins.connect()
        #expect(try client.sync() == [])
    }

    @Test func helpExitsZeroAndNamesEveryFlag() throws {
        let process = try ServerProcess(arguments: ["--help"])
        #expect(try process.waitForExit() == .exit(0))
        let help = try process.stdout.waitForEnd() + process.stderr.waitForEnd()
        for flag in Self.flags {
            #expect(help.contains(flag), "--help does not mention \(flag)")
        }
        #expect(help.contains("CHAT_"), "--help should mention the environment variables")
    }

    @Test(arguments: [["--max-line", "0"], ["--max-line=0"], ["--max-line", "-5"], ["--max-line", "many"],
                      ["--port", "65536"], ["--history", "-1"], ["--drain-timeout", "-1"],
                      ["--log-format", "xml"], ["--log-level", "loud"], ["--no-such-flag"]])
    func aBadFlagValueExitsNonZeroWithoutListening(arguments: [String]) throws {
        let port = arguments.contains { $0.hasPrefix("--port") } ? [] : ["--port", "0"]
        let process = try ServerProcess(arguments: ["--host", "127.0.0.1"] + port + arguments)
        let termination = try process.waitForExit()
        #expect(termination.exited && termination.status != 0, "got \(termination)")
        let message = try process.stderr.waitForEnd()
        #expect(!message.contains("listening"))
        let flag = arguments[0].prefix { $0 != "=" }
        #expect(message.contains(flag), "the message should name \(flag): \(message)")
    }

    @Test func aBadValueFromTheEnvironmentExitsNonZero() throws {
        let process = try ServerProcess(arguments: ["--host", "127.0.0.1", "--port", "0"],
                                        environment: ["CHAT_MAX_LINE": "0"])
        let termination = try process.waitForExit()
        #expect(termination.exited && termination.status != 0, "got \(termination)")
        #expect(try process.stderr.waitForEnd().contains("max-line"))
    }
}
