import ChatTestSupport
import Foundation
import Testing

/// A server with every dialect port on (free ports, from its log), a short quiet gap.
struct DialectServer {
    let server: ServerProcess
    let classicPort: UInt16
    let nicknamePort: UInt16
    let telnetPort: UInt16

    static func start(_ arguments: [String] = []) throws -> DialectServer {
        let server = try ServerProcess.start(["--classic-port", "0", "--nickname-port", "0", "--telnet-port", "0",
                                              "--quiet-gap", "0.02"] + arguments)
        func port(_ dialect: String) throws -> UInt16 {
            let line = try server.stderr.waitForLine(timeout: 10) { $0.contains("dialect listening") && $0.contains("dialect=\(dialect)") }
            guard let port = ServerProcess.port(fromListeningLine: line) else { throw TestFailure("no port in \(line)") }
            return port
        }
        return DialectServer(server: server, classicPort: try port("classic"), nicknamePort: try port("nickname"),
                             telnetPort: try port("telnet"))
    }

    /// A classic client, registered as `name` (the answer is a bare `ack`).
    func classic(_ name: String) throws -> LineClient {
        let client = try LineClient(port: classicPort)
        try client.send("register,\(name)")
        try client.expect(text: "ack")
        client.name = name
        return client
    }

    /// A chat-room client that answered GET_NAME with `nickname` and was greeted as `mapped`.
    func nickname(_ nickname: String, mapped: String? = nil) throws -> LineClient {
        let client = try LineClient(port: nicknamePort)
        try client.expect(text: "GET_NAME")
        try client.send(nickname)
        try client.expect("\(mapped ?? nickname) connected to server!")
        client.name = mapped ?? nickname
        return client
    }

    /// A telnet user, past its own `has joined` line; its name is `127.0.0.1_<port>`.
    func telnet(history: Int = 0) throws -> (client: LineClient, name: String, history: [String]) {
        let client = try LineClient(port: telnetPort)
        let replay = try client.readLines(history * 2)
        let joined = try client.readLine()
        guard let name = TelnetWords.event(joined)?.split(separator: " ").first.map(String.init),
              joined.hasSuffix(" has joined\r") else { throw TestFailure("not a join line: \(joined)") }
        client.name = name
        return (client, name, replay)
    }
}

/// The telnet dialect's lines: `At <asctime> -- <event>` with CRLF.
enum TelnetWords {
    /// What follows the time stamp, without the CR; nil when the line is not stamped.
    static func event(_ line: String) -> String? {
        guard line.hasPrefix("At "), let dashes = line.range(of: " -- ") else { return nil }
        let rest = line[dashes.upperBound...]
        return String(rest.hasSuffix("\r") ? rest.dropLast() : rest)
    }

    /// Reads a message line and its tab-indented text: ("Message from X:", "text").
    static func readMessage(_ client: LineClient) throws -> (header: String?, text: String) {
        let header = event(try client.readLine())
        let text = try client.readLine()
        return (header, String(text.dropFirst().dropLast()))  // the tab, the CR
    }
}

/// The comma-separated fields of `line` after the `prefix` field, sorted: for replies
/// whose order the protocol leaves open (`list`, `who`). Nil when the line does not start so.
func sortedFields(of line: String, after prefix: String) -> [String]? {
    if line == prefix { return [] }
    guard line.hasPrefix(prefix + ",") else { return nil }
    return line.dropFirst(prefix.count + 1).split(separator: ",", omittingEmptySubsequences: false).map(String.init).sorted()
}
