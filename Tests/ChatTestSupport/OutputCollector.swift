import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Collects what a child writes to one pipe, on a thread of its own, and lets
/// tests wait for a line to appear.
public final class OutputCollector: @unchecked Sendable {
    public init() {}

    private let condition = NSCondition()
    private var data = Data()
    private var closed = false

    public func startReading(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let descriptor = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
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
    public var text: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// The complete lines read so far.
    public var lines: [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Waits for the first complete line that satisfies `predicate`.
    public func waitForLine(timeout: TimeInterval, where predicate: (String) -> Bool) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if let line = lines.dropLast().first(where: { predicate(String($0)) }) { return String(line) }
            if closed {
                throw TestFailure("the stream closed without the line awaited; it held:\n\(String(decoding: data, as: UTF8.self))")
            }
            if !condition.wait(until: deadline) {
                throw TestFailure("timed out after \(timeout)s awaiting a line; got:\n\(String(decoding: data, as: UTF8.self))")
            }
        }
    }

    /// Waits until everything read so far satisfies `predicate`.
    public func waitForText(timeout: TimeInterval, where predicate: (String) -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if predicate(text) { return }
            if closed { throw TestFailure("the stream closed before the text awaited; it held:\n\(text)") }
            if !condition.wait(until: deadline) { throw TestFailure("timed out after \(timeout)s awaiting text; got:\n\(text)") }
        }
    }

    /// Waits until the writer closes the pipe, and returns everything.
    public func waitForEnd(timeout: TimeInterval = 20) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            if !condition.wait(until: deadline) { throw TestFailure("the output did not end within \(timeout)s") }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
