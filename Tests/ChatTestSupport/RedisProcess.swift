import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` (Debian's) on a free loopback port, for the cluster tests: started,
/// killed, started again on the same port, frozen and thawed as a test needs.
public final class RedisProcess {
    public let port: UInt16
    public let password: String?
    /// Where an append-only file goes, when persistence is on.
    private let directory: URL
    private let appendOnly: Bool
    public private(set) var child: ChildProcess?

    /// Starts Redis (unless `startNow` is false: ``start()`` later) and waits until it accepts connections.
    public init(password: String? = nil, appendOnly: Bool = false, startNow: Bool = true) throws {
        port = try freeLocalPort()
        self.password = password
        self.appendOnly = appendOnly
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if startNow { try start() }
    }

    deinit {
        child?.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `redis://[:password@]127.0.0.1:port`
    public var url: String { "redis://\(password.map { ":\($0)@" } ?? "")127.0.0.1:\(port)" }

    /// The URL with another password, for a node that must be refused.
    public func url(password other: String) -> String { "redis://:\(other)@127.0.0.1:\(port)" }

    /// Starts (again) on the same port and waits for "Ready to accept connections".
    public func start() throws {
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--dir", directory.path,
                         "--appendonly", appendOnly ? "yes" : "no", "--loglevel", "notice"]
        if let password { arguments += ["--requirepass", password] }
        let child = try ChildProcess("/usr/bin/redis-server", arguments)
        self.child = child
        _ = try child.stdout.waitForLine(timeout: 20) { $0.contains("Ready to accept connections") }
    }

    /// kill -9, and waits until it has gone.
    public func kill() throws {
        guard let child else { return }
        child.kill()
        _ = try child.waitForExit()
        self.child = nil
    }

    /// SIGSTOP: Redis keeps its connections and answers nothing.
    public func freeze() { child?.signal(SIGSTOP) }
    /// SIGCONT.
    public func thaw() { child?.signal(SIGCONT) }

    /// Runs `redis-cli` against this server and returns its output.
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        var full = ["-p", "\(port)"]
        if let password { full += ["-a", password, "--no-auth-warning"] }
        let cli = try ChildProcess("/usr/bin/redis-cli", full + arguments)
        _ = try cli.waitForExit()
        return try cli.stdout.waitForEnd()
    }
}
