import ChatTestSupport
import Foundation
import Testing

/// What the disk can do to the store, each caused for real: a data directory on a read-only or
/// a full filesystem at start, a filesystem that fills up while the server runs and then has
/// room again (a small tmpfs mounted in a mount namespace of the server's own), and another
/// process holding the database's write lock.
@Suite struct StoreFaultTests {
    typealias Message = Version2Tests.Message

    /// Whether this machine lets the tests mount a tmpfs in a namespace of their own (root, or
    /// user namespaces): the filesystem faults need it.
    static let canMount: Bool = {
        guard let child = try? ChildProcess("/usr/bin/unshare", ["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]) else {
            return false
        }
        return (try? child.waitForExit()) == .exit(0)
    }()

    /// Runs the server with `directory` on a tmpfs of `size` mounted with `options`, seen by
    /// the server alone; `fill` fills it before the server starts.
    static func onTmpfs(_ directory: String, size: String = "4m", options: String = "", fill: Bool = false) -> [String] {
        let mount = "mkdir -p '\(directory)' && mount -t tmpfs -o size=\(size)\(options) tmpfs '\(directory)'"
        let filler = fill ? "; dd if=/dev/zero of='\(directory)/filler' bs=4k 2>/dev/null" : ""
        return ["/usr/bin/unshare", "-m", "sh", "-c", "\(mount)\(filler); exec \"$0\" \"$@\""]
    }

    /// The server's view of `path` (inside its mount namespace), from outside it.
    static func seenByServer(_ server: ServerProcess, _ path: String) -> String {
        "/proc/\(server.process.processIdentifier)/root\(path)"
    }

    /// The error lines of a server that has exited, once its whole output has been read.
    static func errorLines(_ server: ServerProcess) throws -> [Substring] {
        try server.stderr.waitForEnd().split(separator: "\n").filter { $0.contains("level=error") }
    }

    @Test(.enabled(if: canMount)) func aReadOnlyDataDirectoryIsOneClearLineAtStart() throws {
        let data = StoreTests.DataDirectory()
        let server = try ServerProcess(arguments: ["--port", "0", "--data-dir", data.path],
                                       launcher: Self.onTmpfs(data.path, options: ",ro"))
        #expect(try server.waitForExit() == .exit(1))
        let errors = try Self.errorLines(server)
        #expect(errors.count == 1 && errors[0].contains(data.path) && errors[0].contains("Read-only file system"), "\(errors)")
    }

    @Test(.enabled(if: canMount)) func aFullDiskAtStartIsOneClearLine() throws {
        let data = StoreTests.DataDirectory()
        let server = try ServerProcess(arguments: ["--port", "0", "--data-dir", data.path],
                                       launcher: Self.onTmpfs(data.path, size: "64k", fill: true))
        #expect(try server.waitForExit() == .exit(1))
        let errors = try Self.errorLines(server)
        #expect(errors.count == 1 && errors[0].contains(data.path + "/chat.db") && errors[0].contains("full"), "\(errors)")
    }

    /// The disk fills while the server runs: it keeps chatting, says so once, counts what it
    /// could not keep, and keeps messages again once there is room.
    @Test(.enabled(if: canMount)) func aDiskThatFillsWhileRunningCostsOnlyWhatCouldNotBeKept() throws {
        let data = StoreTests.DataDirectory()
        let metricsPort = try HTTPResponse.freePort()
        let server = try StoreTests.start(data.path, ["--metrics-port", "\(metricsPort)", "--store-sync", "0.01"],
                                          launcher: Self.onTmpfs(data.path))
        func figures() throws -> (written: Int, failed: Int) {
            (try StoreTests.metric("chat_store_written_total", port: metricsPort), try StoreTests.metric("chat_store_failed_total", port: metricsPort))
        }
        let ann = try StoreTests.version2(server, "Ann")
        _ = try StoreTests.join("room", ann)
        try ann.send((1...10).map { "say,room,before \($0)\n" }.joined())
        _ = try ann.readLines(10)
        while try figures().written < 10 {}

        let filler = Self.seenByServer(server, data.path + "/filler")
        let dd = try ChildProcess("/usr/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])
        _ = try dd.waitForExit()
        try ann.send((1...200).map { "say,room,while full \($0)\n" }.joined())
        #expect(try ann.readLines(200).compactMap(Message.init).count == 200, "every message is still echoed")
        #expect(try ann.sync().isEmpty)
        while try figures().failed + figures().written < 210 {}
        #expect(try figures().failed > 0)
        _ = try server.stderr.waitForLine(timeout: 20) { $0.contains("store cannot write") }
        try ann.send((1...50).map { "say,room,still full \($0)\n" }.joined())
        _ = try ann.readLines(50)
        while try figures().failed + figures().written < 260 {}
        #expect(server.stderr.text.components(separatedBy: "store cannot write").count == 2, "one warning")

        try FileManager.default.removeItem(atPath: filler)
        try ann.send((1...20).map { "say,room,after \($0)\n" }.joined())
        _ = try ann.readLines(20)
        _ = try server.stderr.waitForLine(timeout: 20) { $0.contains("store writing again") }
        while try figures().failed + figures().written < 280 {}
        let bob = try StoreTests.version2(server, "Bob")
        try bob.send("history,room,latest,20\n")
        let page = try bob.readLines(21)
        #expect(page.dropLast().compactMap(Message.init).map(\.text) == (1...20).map { "after \($0)" })
        #expect(try ann.sync().isEmpty)
    }

    /// Another process holds the database's write lock (a backup, `sqlite3` at a shell): the
    /// loop does not wait for it. Messages are echoed and pings answered while it is held;
    /// the writer waits, says so, and writes them all once it is let go.
    @Test func aLockHeldByAnotherProcessDelaysTheWriterNotTheChat() throws {
        let data = StoreTests.DataDirectory()
        let metricsPort = try HTTPResponse.freePort()
        let server = try StoreTests.start(data.path, ["--metrics-port", "\(metricsPort)"])
        let ann = try StoreTests.version2(server, "Ann")
        _ = try StoreTests.join("room", ann)
        let holder = try Self.holdWriteLock(data.path + "/chat.db")
        try ann.send((1...100).map { "say,room,m\($0)\n" }.joined())
        #expect(try ann.readLines(100).compactMap(Message.init).map(\.id) == Array(1...100))
        #expect(try ann.sync().isEmpty, "the pong came while the lock is held")
        _ = try server.stderr.waitForLine(timeout: 30) { $0.contains("store waits for another process") }
        #expect(try StoreTests.written(metricsPort: metricsPort) == 0)
        try holder.closeInput()
        _ = try holder.waitForExit()
        while try StoreTests.written(metricsPort: metricsPort) < 100 {}
        #expect(try StoreTests.metric("chat_store_failed_total", port: metricsPort) == 0, "nothing lost to the lock")
    }

    /// While the writer cannot write (another process holds the lock), messages wait up to
    /// `--store-backlog`; past it `say` is refused `unavailable`, nothing echoed is lost, and
    /// once the writer has caught up the room takes messages again.
    @Test func pastItsBacklogTheStoreRefusesSaysAndLosesNothingEchoed() throws {
        let data = StoreTests.DataDirectory()
        let metricsPort = try HTTPResponse.freePort()
        let server = try StoreTests.start(data.path, ["--metrics-port", "\(metricsPort)", "--store-backlog", "65536"])
        let ann = try StoreTests.version2(server, "Ann")
        _ = try StoreTests.join("room", ann)
        let holder = try Self.holdWriteLock(data.path + "/chat.db")
        let text = String(repeating: "x", count: 1000)
        try ann.send((1...300).map { "say,room,\($0) \(text)\n" }.joined())
        var echoed = 0, refused = 0
        for line in try ann.readLines(300) {
            if Message(line) != nil { echoed += 1 } else if line == "error,unavailable" { refused += 1 }
        }
        #expect(echoed + refused == 300 && echoed > 0 && refused > 0, "echoed \(echoed), refused \(refused)")
        try holder.closeInput()
        _ = try holder.waitForExit()
        while try StoreTests.written(metricsPort: metricsPort) < echoed {}
        try ann.send("say,room,after\n")
        #expect(Message(try ann.readLine())?.text == "after")
        #expect(try StoreTests.metric("chat_store_failed_total", port: metricsPort) == 0)
    }

    /// A python3 holding the database's write lock until its standard input closes.
    static func holdWriteLock(_ database: String) throws -> ChildProcess {
        let holder = try ChildProcess("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            db.execute("COMMIT")
            """, database], input: true)
        _ = try holder.stdout.waitForLine(timeout: 20) { $0 == "locked" }
        return holder
    }
}
