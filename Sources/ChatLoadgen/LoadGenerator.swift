import ChatCore
import Histogram
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Runs one load: opens every user's connection (over the ramp-up), waits until
/// all are registered, sends for the duration, drains, and reports.
public final class LoadGenerator {
    enum Phase: String {
        case connecting, sending, draining, done
    }

    public let configuration: LoadConfiguration
    let loop: EventLoop
    let logger: Logger
    let statistics = LoadStatistics()
    /// Messages between two `ping`s that confirm what a user sent.
    let confirmationInterval: Int
    /// The targets, resolved, in `--host` order; each user connects to one of them.
    let endpoints: [TargetEndpoint]
    /// How many users go to each endpoint.
    let targetShares: [Int]
    /// The client context every TLS connection is made from (`--transport tls` and `wss`);
    /// one for every target, each connection sending its own target's SNI.
    let tls: TLSClientContext?
    var users: [SimulatedUser] = []
    /// Checked users ready in each room: the recipients a `say` is expected to reach.
    var roomSizes: [Int]
    /// Every `say` sent in each room.
    var roomSays: [UInt64]
    var churned = 0
    var stuckDropped = 0
    private var ratePhases: [Double] = []
    var randomness: SplitMix64
    private var line = LineBuilder()
    var phase = Phase.connecting
    private var nextToConnect = 0
    private var tickTimer: EventTimer?
    private var signalWatchers: [SignalWatcher] = []
    private var progress: ProgressMeter
    var abortReason: String?
    var lastFailure: String?
    let startMicros = MonotonicClock.micros()
    var setupEndMicros: UInt64?
    var sendStartMicros: UInt64 = 0
    var sendEndMicros: UInt64 = 0
    private var drainDeadlineMicros: UInt64 = 0

    static let tickSeconds = 0.01
    /// Connections opened per tick when there is no ramp-up: enough for a storm, not a flood of SYNs.
    static let connectBurst = 500

    public init(configuration: LoadConfiguration, logger: Logger) throws(LoadGeneratorError) {
        self.configuration = configuration
        self.logger = logger
        guard !configuration.targets.isEmpty else { throw .noTargets }
        do throws(LibeventError) {
            loop = try EventLoop()
            endpoints = try TargetEndpoint.resolve(configuration)
        } catch {
            throw .libevent(error)
        }
        targetShares = LoadTarget.shares(users: configuration.users, targets: endpoints.count)
        tls = configuration.transport.usesTLS ? try TLSClientContext() : nil
        var randomness = SplitMix64(seed: configuration.seed)
        let roles = (0..<configuration.users).map { Self.role(of: $0, configuration: configuration) }
        let checked = roles.indices.filter { roles[$0] == .checked }
        let friendLists = (0..<configuration.users).map { index in
            configuration.mode.usesFriends && roles[index] == .checked
                ? Self.chooseFriends(of: index, among: checked, count: configuration.friends, randomness: &randomness)
                : []
        }
        ratePhases = (0..<configuration.users).map { _ in Double(randomness.next() % 1000) / 1000 }
        self.randomness = randomness
        confirmationInterval = max(1, configuration.window / 4)
        roomSizes = Array(repeating: 0, count: configuration.mode.usesRooms ? max(1, configuration.rooms) : 0)
        roomSays = Array(repeating: 0, count: roomSizes.count)
        progress = ProgressMeter(logger: logger, interval: configuration.progressInterval)
        statistics.connectedByTarget = Array(repeating: 0, count: endpoints.count)
        statistics.connectFailedByTarget = statistics.connectedByTarget
        let targetCount = endpoints.count
        users = friendLists.enumerated().map { index, friends in
            SimulatedUser(index: index, role: roles[index], target: LoadTarget.index(ofUser: index, targets: targetCount),
                          room: configuration.mode.usesRooms ? index % max(1, configuration.rooms) : nil,
                          friends: friends, roomStride: max(1, configuration.rooms), generator: self)
        }
    }

    /// Runs the whole load and returns its report.
    public func run() -> LoadReport {
        FileDescriptorLimit.raiseToHardLimit()
        // A write to a connection the server has reset must fail with EPIPE, not kill the run:
        // OpenSSL writes to its socket with write(2), which raises SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let timer = EventTimer(loop: loop) { [unowned self] in self.tick() }
        tickTimer = timer
        for number in [SIGINT, SIGTERM] {
            if let watcher = try? SignalWatcher(loop: loop, signal: number, action: { [unowned self] in self.interrupted() }) {
                signalWatchers.append(watcher)
            }
        }
        // The first tick runs inside the loop: a loop break requested before the loop
        // starts (every connection failing at once) would be forgotten.
        timer.schedule(after: 0)
        loop.run()
        users.forEach { $0.close() }
        return makeReport()
    }

    // MARK: Phases

    private func tick() {
        let now = MonotonicClock.micros()
        switch phase {
        case .connecting: connectDueUsers(now: now)
        case .sending: sendDueMessages(now: now)
        case .draining: if statistics.delivered >= statistics.expected || now >= drainDeadlineMicros { finish() }
        case .done: return
        }
        if phase != .done {
            progress.reportIfDue(now: now, phase: phase.rawValue, statistics: statistics)
            tickTimer?.schedule(after: Self.tickSeconds)
        }
    }

    private func connectDueUsers(now: UInt64) {
        let elapsed = Double(now - startMicros) / 1e6
        let due = configuration.rampUp > 0
            ? min(users.count, Int(Double(users.count) * elapsed / configuration.rampUp) + 1)
            : users.count
        let end = min(due, nextToConnect + Self.connectBurst)
        while nextToConnect < end {
            connect(users[nextToConnect])
            nextToConnect += 1
        }
        if elapsed > configuration.rampUp + configuration.setupTimeout {
            logger.warning("setup timeout: sending with the users that are ready",
                           metadata: ["ready": "\(statistics.ready)", "users": "\(users.count)"])
            startSending(now: now)
        }
    }

    /// Opens `user`'s connection to its target, from that target's source address for it;
    /// the same for its first connection and every reconnection after churning.
    func connect(_ user: SimulatedUser) {
        let endpoint = endpoints[user.target]
        user.connect(to: endpoint.address,
                     from: endpoint.source(forPosition: LoadTarget.position(ofUser: user.index, targets: endpoints.count)))
    }

    func startSending(now: UInt64) {
        guard phase == .connecting else { return }
        setupEndMicros = setupEndMicros ?? now
        phase = .sending
        sendStartMicros = now
        progress.startTimeline(at: now)
        if configuration.duration == 0 { return stopSending(now: now) }
        if configuration.rate == 0 { users.forEach(fillWindow) }
    }

    private func sendDueMessages(now: UInt64) {
        let elapsed = Double(now - sendStartMicros) / 1e6
        guard elapsed < configuration.duration else { return stopSending(now: now) }
        churnDueUsers(elapsed: elapsed)
        guard configuration.rate > 0 else { return }
        for (index, user) in users.enumerated() where user.state == .ready && user.isChecked {
            let target = UInt64(elapsed * configuration.rate + ratePhases[index])
            let due = min(Int(target) - Int(user.sent), configuration.window - user.inFlight)
            for _ in 0..<max(0, due) { send(from: user) }
            user.requestConfirmation()
        }
    }

    /// Makes `--churn` churners a second quit (and reconnect), picked at random among those connected.
    private func churnDueUsers(elapsed: Double) {
        guard configuration.churn > 0 else { return }
        let due = Int(elapsed * configuration.churn) - churned
        for _ in 0..<max(0, due) {
            let start = Int(randomness.next() % UInt64(users.count))
            guard let user = (0..<users.count).lazy.map({ self.users[(start + $0) % self.users.count] })
                .first(where: { $0.role == .churner && $0.state == .ready && !$0.isQuitting }) else { return }
            churned += 1
            user.churn()
        }
    }

    private func stopSending(now: UInt64) {
        phase = .draining
        sendEndMicros = now
        drainDeadlineMicros = now + UInt64(configuration.drainTimeout * 1e6)
        users.forEach { $0.requestConfirmation() }
    }

    private func finish() {
        guard phase != .done else { return }
        if sendEndMicros == 0 { sendEndMicros = MonotonicClock.micros() }
        phase = .done
        tickTimer?.cancel()
        loop.stop()
    }

    func abort(_ reason: String) {
        guard abortReason == nil else { return }
        abortReason = reason
        logger.error("stopping the run", metadata: ["reason": "\(reason)"])
        finish()
    }

    private func interrupted() {
        switch phase {
        case .connecting: abort("interrupted")
        case .sending: stopSending(now: MonotonicClock.micros())
        case .draining: finish()
        case .done: loop.stop()
        }
    }

    // MARK: Sending

    /// Sends one message; false when there was no one to send it to.
    @discardableResult
    private func send(from user: SimulatedUser) -> Bool {
        let direct: Bool
        switch configuration.mode {
        case .direct: direct = true
        case .room: direct = false
        case .mixed: direct = randomness.next() & 1 == 0
        }
        let roomSize = user.room.map { roomSizes[$0] } ?? 0
        let users = self.users
        guard let message = user.sendMessage(direct: direct, randomness: &randomness, into: &line, roomSize: roomSize,
                                             canReceive: { users[$0].isChecked && users[$0].state == .ready })
        else { return false }
        if let recipient = message.recipient {
            users[recipient].directExpected += 1
        } else if let room = user.room {
            roomSays[room] += 1
        }
        statistics.sent += 1
        statistics.expected += UInt64(message.deliveries)
        return true
    }

    func fillWindow(_ user: SimulatedUser) {
        guard user.state == .ready, user.isChecked else { return }
        while user.inFlight < configuration.window, send(from: user) {}
    }
}
