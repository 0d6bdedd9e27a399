import ArgumentParser
import ChatCommandLine
import ChatLoadgen
import Logging

@main
struct LoadgenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-loadgen",
        abstract: "Simulates thousands of chat users against a chat-server and checks every delivery.",
        discussion: """
            Each user connects, registers as u<N>, optionally fetches `list` and joins its room r<N>, \
            then sends stamped messages (`<sequence> <send time>`) for --duration seconds: `chat` to random \
            friends (direct), `say` in its room (room), or both (mixed). Every receiver checks each message \
            per sender for loss, duplication and order, and measures latency. After sending it drains: \
            it waits while deliveries still arrive, and ends once all have, once none has come for \
            --drain-idle seconds (what is missing then is lost), or at --drain-timeout, a safety net.

            --window bounds each user's messages twice: those the server has not yet confirmed (a \
            `ping,<sent>` every window/4 messages, answered by `pong`), and those not yet delivered \
            (a user holds back while its deliveries still on their way are more than --window \
            messages' worth: --window times the recipients of one of its messages). So a flood at \
            --rate 0 keeps the server's backlog bounded on any machine, and a receiver that stops \
            reading holds its senders back.

            --host takes several targets, comma-separated (--host a:7420,b:7421) or with --host given \
            again, each HOST or HOST:PORT ([ADDRESS]:PORT for IPv6; a target without a port uses --port): \
            user N goes to target N modulo their count, and the report gives each target's users. The \
            targets must serve one chat (the nodes of a cluster, or one server listed twice): a user on \
            an independent server is no-such-user to the others, and room messages do not cross.

            --transport picks how each user's connection carries protocol v1: tcp (plain lines, the \
            server's --port), tls (the same lines over TLS, against the server's --tls-port; one client \
            context for the run, TLS 1.2 or 1.3, SNI set to each target's host unless it is an IP address), ws \
            (WebSocket: `GET /chat` upgrade on the plain port, then each line one masked text frame and \
            each server line one text message) or wss (WebSocket over TLS, on the TLS port). The server's \
            certificate is NOT verified: load tests run against test servers with self-signed certificates. \
            A user whose handshake or upgrade fails counts as a connect failure.

            --threads N runs the users on N event loops, each on a thread of its own (user i on thread i \
            modulo N, so rooms, friends and targets are those of a run on one thread), so that the generator \
            is not what bounds a server's fan-out. Every delivery is still checked across threads, sending \
            starts for all threads at once, and the report (one progress line, one summary) covers them all. \
            The summary gives the generator's own CPU (user plus system seconds) and its share of the wall \
            time (1 is one core busy for the whole run).

            A progress line goes to standard error every second; the summary goes to standard output, \
            as a table or, with --json, one JSON object. Exit status 0 means every user connected and \
            registered and nothing was lost, duplicated, reordered or refused; 1 means the run failed.
            """
    )

    @Option(help: ArgumentHelp(
        "The servers: HOST or HOST:PORT ([ADDRESS]:PORT for IPv6), comma-separated, and --host may be repeated; users take them in turn.",
        valueName: "targets"))
    var host = ["127.0.0.1"]

    @Option(help: "The port of every target that names none: the server's --port for tcp and ws, its --tls-port for tls and wss.")
    var port = 7420

    @Option(help: "tcp: v1 lines over TCP; tls: lines over TLS (the certificate is not verified); ws: WebSocket (GET /chat); wss: WebSocket over TLS.")
    var transport = LoadTransport.tcp

    @Option(name: .customLong("protocol"), help: ArgumentHelp(
        "The chat protocol each user speaks: 1, or 2 (hello,2 first; room messages as msg lines with ids).",
        discussion: "With 2 each user also checks its room's ids: one missing is a gap (reported as gaps, and lost), one seen twice a duplicate."))
    var protocolVersion = 1

    @Option(help: ArgumentHelp(
        "Seconds around which each user drops its connection and comes back, resuming its room from the last id it saw (needs --protocol 2 and --mode room); 0 never.",
        discussion: "Each drop waits until the server has confirmed what the user sent; the report counts resumes and the messages they replayed."))
    var reconnectEvery = 0.0

    @Option(help: "Simulated users, one connection each.")
    var users = 1000

    @Option(help: "Seconds over which to open the connections; 0 opens them all at once.")
    var rampUp = 0.0

    @Option(help: "Seconds of sending, once every user is registered.")
    var duration = 10.0

    @Option(help: "Messages per second per user; 0 sends as fast as the server confirms them (see --window).")
    var rate = 0.0

    @Option(help: "direct: chat to random friends; room: say in the user's room; mixed: both.")
    var mode = LoadMode.direct

    @Option(help: "Rooms the users are spread over, in room and mixed mode.")
    var rooms = 10

    @Option(help: "Friends each user chats with, in direct and mixed mode.")
    var friends = 10

    @Flag(help: "Each user fetches `list` once after registering, as the classic client does.")
    var listFriends = false

    @Option(help: "Seed for friend and target choices, so runs repeat.")
    var seed: UInt64 = 1

    @Option(help: "Messages a user may have in flight: unconfirmed by the server's pong, and not yet delivered (in messages' worth of deliveries).")
    var window = 64

    @Option(help: "Seconds to wait for every user to register before sending anyway.")
    var setupTimeout = 30.0

    @Option(help: "After sending: seconds without a new delivery after which the drain ends (what is missing is lost).")
    var drainIdle = 1.0

    @Option(help: "After sending: the most seconds the drain lasts while deliveries still arrive (a safety net).")
    var drainTimeout = 60.0

    @Option(help: "127.0.0.x addresses to connect from, for loopback targets; 0 picks enough for --users.")
    var sourceAddresses = 0

    @Option(help: "Quit-and-reconnect cycles per second, by every fifth user (churners, which do not send and go unchecked), while the others send.")
    var churn = 0.0

    @Option(help: "Users that stop reading once ready and never send (slow readers the server should drop).")
    var stuckReaders = 0

    @Option(help: "Seconds between progress lines; 0 turns them off.")
    var progressInterval = 1.0

    // Unconditional, so that `--threads -1` reaches validate() and gets its message.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Event loops, each on a thread of its own with every Nth user (user i on thread i modulo N); 0: one per CPU this process may use. Never more than --users.",
        valueName: "N"))
    var threads = 1

    @Flag(help: "Print the summary as one JSON object instead of a table.")
    var json = false

    @Option(help: "Progress and log lines: text (key=value) or json.")
    var logFormat = LogFormat.text

    @Option(help: "The lowest level logged.")
    var logLevel = Logger.Level.info

    func validate() throws {
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard protocolVersion == 1 || protocolVersion == 2 else { throw ValidationError("--protocol must be 1 or 2, not \(protocolVersion)") }
        guard reconnectEvery >= 0 else { throw ValidationError("--reconnect-every must be 0 or more seconds") }
        guard reconnectEvery == 0 || (protocolVersion == 2 && mode == .room) else {
            throw ValidationError("--reconnect-every needs --protocol 2 and --mode room: a user comes back by resuming its room")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        let targets = try self.targets()
        guard users >= targets.count else {
            throw ValidationError("--users (\(users)) must be at least the number of targets (\(targets.count)), so that each has one")
        }
        guard rampUp >= 0, duration >= 0, rate >= 0, setupTimeout >= 0, drainIdle >= 0, drainTimeout >= 0, progressInterval >= 0 else {
            throw ValidationError("times and rates must be 0 or more")
        }
        guard churn >= 0, (0..<users).contains(stuckReaders) else {
            throw ValidationError("--churn must be 0 or more and --stuck-readers below --users")
        }
        guard rooms >= 1, friends >= 1, window >= 1 else { throw ValidationError("--rooms, --friends and --window must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per CPU) or more, not \(threads)") }
    }

    func run() throws {
        ChatLogHandler.bootstrap(format: logFormat, level: logLevel)
        let logger = Logger(label: "chat-loadgen")
        var configuration = LoadConfiguration()
        configuration.targets = try targets()
        configuration.transport = transport
        configuration.protocolVersion = protocolVersion
        configuration.reconnectEvery = reconnectEvery
        configuration.users = users
        configuration.rampUp = rampUp
        configuration.duration = duration
        configuration.rate = rate
        configuration.mode = mode
        configuration.rooms = rooms
        configuration.friends = friends
        configuration.listFriends = listFriends
        configuration.seed = seed
        configuration.window = window
        configuration.setupTimeout = setupTimeout
        configuration.drainIdle = drainIdle
        configuration.drainTimeout = drainTimeout
        configuration.sourceAddresses = sourceAddresses
        configuration.progressInterval = progressInterval
        configuration.churn = churn
        configuration.stuckReaders = stuckReaders
        configuration.threads = threads
        let report: LoadReport
        do {
            report = try LoadGenerator.run(configuration: configuration, logger: logger)
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        print(json ? report.json() : report.table())
        if !report.passed { throw ExitCode.failure }
    }

    /// Every `--host` target, in order; a bad one is a usage error naming it.
    private func targets() throws -> [LoadTarget] {
        do {
            return try LoadTarget.parse(host, defaultPort: port)
        } catch {
            throw ValidationError("--host: \(error)")
        }
    }
}

extension LoadMode: ExpressibleByArgument {}
extension LoadTransport: ExpressibleByArgument {}
