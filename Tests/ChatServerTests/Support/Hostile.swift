import ChatTestSupport
import Foundation
import Testing

/// A reproducible random source (SplitMix64): the same seed gives the same bytes on every run.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_1E5B_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int, in range: ClosedRange<UInt8> = 0...255) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: range, using: &self) }
    }
}

/// What hostile-input tests need besides ``LineClient``: a model of which reply a line
/// must get, a check that a server line is one the protocol has, and the server's RSS.
enum Hostile {
    static let clientVerbs: Set<String> = ["register", "list", "chat", "join", "say", "leave", "rooms",
                                           "who", "nick", "quit", "ping", "help"]
    static let serverVerbs: Set<String> = ["ack", "list", "chat", "joined", "history", "join", "say", "left",
                                           "leave", "rooms", "who", "nick", "quit", "bye", "pong", "help", "error"]
    static let codesWithoutDetail: Set<String> = ["bad-utf8", "not-registered", "rate-limited"]
    static let codesWithDetail: Set<String> = ["unknown-command", "bad-args", "bad-name", "name-taken",
                                               "already-registered", "no-such-user", "no-such-room",
                                               "not-in-room", "already-in-room", "line-too-long"]

    /// The reply the protocol requires for one client line.
    enum Expected: Equatable {
        /// Exactly one of these lines.
        case oneOf([String])
        /// Some single protocol line (a real command: its reply depends on state).
        case someReply
    }

    /// What the server must answer to `line` (its bytes without the LF); nil for a blank line.
    static func expected(for line: [UInt8], limit: Int) -> Expected? {
        let body = line.last == 0x0D ? Array(line.dropLast()) : line
        if body.count > limit { return .oneOf(["error,line-too-long,\(limit)"]) }
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        guard !body.contains(0), String(validating: body, as: UTF8.self) != nil else {
            return .oneOf(["error,bad-utf8"])
        }
        // Split on the comma byte: a comma followed by a combining mark is one Character.
        let comma = body.firstIndex(of: 0x2C)
        let head = body[..<(comma ?? body.endIndex)].drop { $0 == 0x20 || $0 == 0x09 }
        let verb = String(decoding: head.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed(), as: UTF8.self)
        if asciiLowercased(verb) == "ping" {
            return .oneOf([comma.map { "pong," + String(decoding: body[($0 + 1)...], as: UTF8.self) } ?? "pong"])
        }
        if clientVerbs.contains(asciiLowercased(verb)) { return .someReply }
        return .oneOf(verb.isEmpty ? ["error,unknown-command", "error,unknown-command,"]
                                   : ["error,unknown-command,\(verb)"])
    }

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// True when `line` is a line the protocol lets the server send; an `error` line must
    /// carry one of the protocol's codes, with a detail exactly where the code has one.
    static func isProtocolLine(_ line: String, limit: Int = 4096) -> Bool {
        let fields = line.utf8.split(separator: 0x2C, maxSplits: 2, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard serverVerbs.contains(fields[0]) else { return false }
        guard fields[0] == "error" else { return true }
        guard fields.count >= 2 else { return false }
        if codesWithoutDetail.contains(fields[1]) { return fields.count == 2 }
        guard codesWithDetail.contains(fields[1]) else { return false }
        switch fields[1] {
        case "line-too-long": return fields.count == 3 && fields[2] == "\(limit)"
        case "bad-args": return fields.count == 3 && clientVerbs.contains(fields[2])
        case "unknown-command": return true
        default: return fields.count == 3
        }
    }

    /// The resident set size of a process in KiB, from `/proc/<pid>/status`.
    static func residentKiB(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") else {
            throw TestFailure("no VmRSS in /proc/\(pid)/status")
        }
        return kib
    }
}

extension ServerProcess {
    /// The check after every hostile case: the process still runs, and a fresh pair of
    /// clients can register and chat. `tag` keeps the pair's names unique per server.
    func expectHealthy(_ tag: String = "1", sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(process.isRunning, "the server is still running", sourceLocation: sourceLocation)
        let names = ["healthA_\(tag)", "healthB_\(tag)"]
        let pair = try registered(names)
        try pair[0].send("chat,\(names[1]),still alive after \(tag)\n")
        try pair[1].expect("chat,\(names[0]),still alive after \(tag)", sourceLocation: sourceLocation)
        #expect(try pair[0].sync() == [], sourceLocation: sourceLocation)
        #expect(try pair[1].sync() == [], sourceLocation: sourceLocation)
    }
}
