import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a helper gave up: every wait in these tests is bounded.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A built executable of this package run as a child: stdout and stderr are
/// collected on threads of their own, and it is killed when the object goes away.
final class ChildProcess {
    /// Where `swift build` put the test runner, and with it chat-server and chat-loadgen.
    static let buildDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    let process = Process()
    let stdout = OutputCollector()
    let stderr = OutputCollector()
    private let exit = ExitWaiter()

    /// Launches `executable` from the build directory, without the runner's `CHAT_*` variables.
    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = Self.buildDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHAT_") }
        process.standardInput = FileHandle.nullDevice
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let exit = self.exit
        process.terminationHandler = { exit.finished(with: $0) }
        try process.run()
        stdout.startReading(outPipe.fileHandleForReading)
        stderr.startReading(errPipe.fileHandleForReading)
    }

    deinit { kill() }

    /// Kills the process (SIGKILL) if it still runs.
    func kill() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// The exit status; throws when the process still runs after `timeout` or a signal ended it.
    func waitForExit(timeout: TimeInterval) throws -> Int32 {
        guard let (reason, status) = exit.wait(timeout: timeout) else {
            throw TestFailure("\(process.executableURL!.lastPathComponent) did not exit within \(timeout)s; stderr:\n\(stderr.text)")
        }
        guard reason == .exit else { throw TestFailure("killed by signal \(status); stderr:\n\(stderr.text)") }
        return status
    }
}

/// Records the termination that Foundation reports, and lets a thread wait for it.
private final class ExitWaiter: @unchecked Sendable {
    private let condition = NSCondition()
    private var termination: (Process.TerminationReason, Int32)?

    func finished(with process: Process) {
        condition.lock()
        termination = (process.terminationReason, process.terminationStatus)
        condition.broadcast()
        condition.unlock()
    }

    func wait(timeout: TimeInterval) -> (Process.TerminationReason, Int32)? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while termination == nil, condition.wait(until: deadline) {}
        return termination
    }
}

/// Collects what a child writes to one pipe, on a thread of its own; tests wait for a line or for the end.
final class OutputCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var closed = false

    func startReading(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 { data.append(contentsOf: buffer[..<count]) } else { closed = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { break }
            }
            try? handle.close()
        }
        thread.start()
    }

    /// Everything read so far.
    var text: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits for the first complete line that satisfies `predicate`.
    func waitForLine(timeout: TimeInterval, where predicate: (String) -> Bool) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if let line = lines.dropLast().first(where: { predicate(String($0)) }) { return String(line) }
            guard !closed else { throw TestFailure("the output ended without the line awaited:\n\(String(decoding: data, as: UTF8.self))") }
            guard condition.wait(until: deadline) else {
                throw TestFailure("no such line within \(timeout)s; got:\n\(String(decoding: data, as: UTF8.self))")
            }
        }
    }

    /// Waits until the writer closes the pipe, and returns everything.
    func waitForEnd(timeout: TimeInterval) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            guard condition.wait(until: deadline) else { throw TestFailure("the output did not end within \(timeout)s") }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
