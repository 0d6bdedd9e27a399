import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public struct Termination: Equatable, CustomStringConvertible, Sendable {
    /// True when it called exit; false when a signal ended it.
    public let exited: Bool
    /// The exit status, or the signal number.
    public let status: Int32

    public static func exit(_ status: Int32) -> Termination { Termination(exited: true, status: status) }
    public var description: String { exited ? "exit(\(status))" : "signal \(status)" }
}

/// One of this package's executables run as a child: its stdout and stderr collected on
/// threads of their own, killed when the object goes away.
public final class ChildProcess {
    /// Where `swift build` put the test runner, and with it chat-server and chat-loadgen.
    public static let buildDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent()

    public let process = Process()
    public let stdout = OutputCollector()
    public let stderr = OutputCollector()
    private let exit = ExitWaiter()
    /// The child's standard input, when it was started with `input: true`.
    private let input: Pipe?
    /// The store directory this object made for a chat-server, removed when it goes away.
    private let dataDirectory: String?

    /// Launches `executable` (a path, or a name in the build directory) with `arguments`,
    /// and `environment` over the runner's own with every `CHAT_*` variable removed.
    /// A `launcher` (such as `prlimit --nofile=24`) runs the executable for it. With `input`,
    /// its standard input is a pipe that ``write(_:)`` feeds; otherwise /dev/null.
    /// `defaultLoops`: chat-server runs with its own default loop count, not ``testLoops``.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                launcher: [String] = [], input: Bool = false, defaultLoops: Bool = false) throws {
        let path = executable.contains("/") ? executable : Self.buildDirectory.appendingPathComponent(executable).path
        let (stored, dataDirectory) = Self.withOwnStore(path: path, arguments, environment: environment)
        self.dataDirectory = dataDirectory
        let command = launcher + [path] + (defaultLoops ? stored : Self.withTestLoops(path: path, stored, environment: environment))
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHAT_") }
        merged.merge(environment) { $1 }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = merged
        self.input = input ? Pipe() : nil
        process.standardInput = self.input ?? FileHandle.nullDevice
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let exit = self.exit
        process.terminationHandler = { exit.finished(with: $0) }
        try process.run()
        stdout.startReading(outPipe.fileHandleForReading)
        stderr.startReading(errPipe.fileHandleForReading)
    }

    deinit {
        kill()
        if let dataDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// A chat-server keeps rooms' messages in `./chat-data` by default: one that a test starts
    /// without saying `--store` or `--data-dir` gets a fresh directory of its own instead (a real
    /// SQLite store, which no other test sees), removed with this object.
    static func withOwnStore(path: String, _ arguments: [String], environment: [String: String]) -> ([String], String?) {
        guard URL(fileURLWithPath: path).lastPathComponent == "chat-server", arguments.first != "probe",
              !arguments.contains("--store"), !arguments.contains("--data-dir"),
              environment["CHAT_STORE"] == nil, environment["CHAT_DATA_DIR"] == nil else { return (arguments, nil) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-test-\(UUID().uuidString)").path
        return (arguments + ["--data-dir", directory], directory)
    }

    /// The loop count the suite runs chat-server with: `CHAT_TEST_LOOPS` (`CHAT_TEST_LOOPS=4
    /// swift test` runs every test with four loops), 1 when it is unset, whatever the
    /// machine's CPUs (the server's own default). A test that says `--loops` or
    /// `CHAT_LOOPS` itself, or runs a subcommand (`probe`), is left as it is.
    public static let testLoops: String = {
        let value = ProcessInfo.processInfo.environment["CHAT_TEST_LOOPS"] ?? ""
        return value.isEmpty ? "1" : value
    }()

    static func withTestLoops(path: String, _ arguments: [String], environment: [String: String]) -> [String] {
        guard URL(fileURLWithPath: path).lastPathComponent == "chat-server", arguments.first != "probe",
              !arguments.contains("--loops"), environment["CHAT_LOOPS"] == nil else { return arguments }
        return ["--loops", testLoops] + arguments
    }

    /// Writes `text` to the child's standard input (started with `input: true`).
    public func write(_ text: String) throws {
        guard let input else { throw TestFailure("the child was started without an input pipe") }
        try input.fileHandleForWriting.write(contentsOf: Array(text.utf8))
    }

    /// Closes the child's standard input (started with `input: true`): it reads end of file.
    public func closeInput() throws {
        guard let input else { throw TestFailure("the child was started without an input pipe") }
        try input.fileHandleForWriting.close()
    }

    /// Sends a signal, if the process still runs.
    public func signal(_ number: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, number) }
    }

    /// Kills the process (SIGKILL) if it still runs.
    public func kill() { signal(SIGKILL) }

    /// Waits for the process to end; throws when it still runs after `timeout`.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 20) throws -> Termination {
        guard let termination = exit.wait(timeout: timeout) else {
            throw TestFailure("\(process.executableURL!.lastPathComponent) did not exit within \(timeout)s; stderr:\n\(stderr.text)")
        }
        return termination
    }
}

/// Records the termination that Foundation reports, and lets a thread wait for it.
private final class ExitWaiter: @unchecked Sendable {
    private let condition = NSCondition()
    private var termination: Termination?

    func finished(with process: Process) {
        let result = Termination(exited: process.terminationReason == .exit, status: process.terminationStatus)
        condition.lock()
        termination = result
        condition.broadcast()
        condition.unlock()
    }

    func wait(timeout: TimeInterval) -> Termination? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while termination == nil, condition.wait(until: deadline) {}
        return termination
    }
}
