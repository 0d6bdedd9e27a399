import ChatCore
import Histogram
import LibeventKit
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Runs one load: opens every user's connection (over the ramp-up), waits until
/// all are registered, sends for the duration, drains, and reports.
///
/// With `--threads N` above 1 there is one generator per thread, each with its own loop and
/// its share of the users (user `i` on thread `i % N`), and a ``LoadCoordinator`` on the
/// calling thread that keeps their phases in step and adds up what they measured.
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
    /// With `--threads`: which thread this generator is, and what it shares with the others;
    /// nil when it runs the whole load alone.
    let thread: ThreadLink?
    /// Every sender's deliveries that reached their receivers (the whole run's, shared by its
    /// threads), and this thread's not yet published there.
    let ledger: DeliveryLedger
    var deliveryBatch: DeliveryLedger.Batch
    /// Its users: every one alone; with `--threads`, its thread's share, user `i` at `i / threads`.
    var users: [SimulatedUser] = []
    /// Checked users ready in each room: the recipients a `say` is expected to reach.
    var roomSizes: [Int]
    /// Every `say` sent in each room.
    var roomSays: [UInt64]
    /// With `--threads`: every `chat` sent (each expected once, by a user on any thread), and
    /// by global index the checked users ready when sending started, whom a `chat` may go to.
    var directSent: UInt64 = 0
    var receivers: [Bool] = []
    var churned = 0
    /// `--reconnect-every`: drops asked of users so far.
    var reconnectsAsked = 0
    var stuckDropped = 0
    /// Per target: why the last first connection to it failed.
    var lastFailureByTarget: [String?]
    private let ratePhases: [Double]
    var randomness: SplitMix64
    private var line = LineBuilder()
    var phase = Phase.connecting
    private var nextToConnect = 0
    var tickTimer: EventTimer?
    private var signalWatchers: [SignalWatcher] = []
    var progress: ProgressMeter
    var abortReason: String?
    var lastFailure: String?
    let startMicros: UInt64
    /// The process's CPU seconds when the run started, for the generator's CPU in the report.
    private(set) var startCPUSeconds = 0.0
    var setupEndMicros: UInt64?
    var sendStartMicros: UInt64 = 0
    var sendEndMicros: UInt64 = 0
    private var drainDeadlineMicros: UInt64 = 0
    /// The drain, once sending has stopped; when it ended.
    private var drainWatch: DrainWatch?
    var drainEndMicros: UInt64 = 0
    /// With `--threads`: the last progress request answered, and the ready users last published.
    var answeredProgress = 0
    var publishedReadiness = -1

    static let tickSeconds = 0.01
    /// Connections opened per tick when there is no ramp-up: enough for a storm, not a flood of SYNs
    /// (with `--threads`, shared out over the threads).
    static let connectBurst = 500
    private let connectBurst: Int

    /// Runs the load `configuration` describes, on one thread or, with `threads` above 1, on
    /// that many (see ``LoadConfiguration/threadCount``), and returns its report.
    public static func run(configuration: LoadConfiguration, logger: Logger) throws(LoadGeneratorError) -> LoadReport {
        if configuration.threadCount > 1 {
            return try LoadCoordinator(configuration: configuration, logger: logger).run()
        }
        return try LoadGenerator(configuration: configuration, logger: logger).run()
    }

    /// A generator that runs every user of `configuration` on one loop, on the thread that calls ``run()``.
    public convenience init(configuration: LoadConfiguration, logger: Logger) throws(LoadGeneratorError) {
        let startMicros = MonotonicClock.micros(), startCPUSeconds = ProcessCPU.seconds()
        guard !configuration.targets.isEmpty else { throw .noTargets }
        let endpoints: [TargetEndpoint]
        do throws(LibeventError) {
            endpoints = try TargetEndpoint.resolve(configuration)
        } catch {
            throw .libevent(error)
        }
        try self.init(configuration: configuration, logger: logger, plan: LoadPlan(configuration: configuration),
                      endpoints: endpoints, thread: nil, startMicros: startMicros)
        self.startCPUSeconds = startCPUSeconds
    }

    /// A generator for the users of `thread` (all of them when nil), on a loop of its own,
    /// made on the thread that runs it.
    init(configuration: LoadConfiguration, logger: Logger, plan: LoadPlan, endpoints: [TargetEndpoint],
         thread: ThreadLink?, startMicros: UInt64) throws(LoadGeneratorError) {
        self.configuration = configuration
        self.logger = logger
        self.startMicros = startMicros
        self.endpoints = endpoints
        self.thread = thread
        ledger = thread?.board.ledger ?? DeliveryLedger(senders: configuration.users, rows: 1)
        deliveryBatch = DeliveryLedger.Batch(row: thread?.index ?? 0, senders: configuration.users)
        do throws(LibeventError) {
            loop = try EventLoop()
        } catch {
            throw .libevent(error)
        }
        targetShares = LoadTarget.shares(users: configuration.users, targets: endpoints.count)
        tls = configuration.transport.usesTLS ? try TLSClientContext() : nil
        ratePhases = plan.ratePhases
        if let thread {
            // Each thread draws from a seed of its own, taken in turn from where the plan left off.
            var seeds = plan.randomness
            var seed = seeds.next()
            for _ in 0..<thread.index { seed = seeds.next() }
            randomness = SplitMix64(seed: seed)
            connectBurst = max(1, (Self.connectBurst + thread.count - 1) / thread.count)
        } else {
            randomness = plan.randomness
            connectBurst = Self.connectBurst
        }
        confirmationInterval = max(1, configuration.window / 4)
        roomSizes = Array(repeating: 0, count: configuration.mode.usesRooms ? max(1, configuration.rooms) : 0)
        roomSays = Array(repeating: 0, count: roomSizes.count)
        // A thread's progress lines are the coordinator's; its own meter only keeps the latency
        // histogram merged when there are none.
        progress = ProgressMeter(logger: logger, interval: thread == nil ? configuration.progressInterval : 0)
        statistics.connectedByTarget = Array(repeating: 0, count: endpoints.count)
        statistics.connectFailedByTarget = statistics.connectedByTarget
        lastFailureByTarget = Array(repeating: nil, count: endpoints.count)
        let targetCount = endpoints.count
        let indices = thread.map { stride(from: $0.index, to: configuration.users, by: $0.count) }
            ?? stride(from: 0, to: configuration.users, by: 1)
        users = indices.map { index in
            SimulatedUser(index: index, role: plan.roles[index], target: LoadTarget.index(ofUser: index, targets: targetCount),
                          room: configuration.mode.usesRooms ? index % max(1, configuration.rooms) : nil,
                          friends: plan.friends[index], roomStride: max(1, configuration.rooms), generator: self)
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

    func tick() {
        let now = MonotonicClock.micros()
        switch phase {
        case .connecting: connectDueUsers(now: now)
        case .sending: sendDueMessages(now: now)
        case .draining: drainIfDone(now: now)
        case .done: return
        }
        if phase != .done {
            if let thread {
                publish(to: thread, allReadyNow: false)
                if configuration.progressInterval == 0 { progress.reportIfDue(now: now, phase: phase.rawValue, statistics: statistics) }
            } else {
                progress.reportIfDue(now: now, phase: phase.rawValue, statistics: statistics)
            }
            tickTimer?.schedule(after: Self.tickSeconds)
        }
    }

    private func connectDueUsers(now: UInt64) {
        let elapsed = Double(now - startMicros) / 1e6
        let due = configuration.rampUp > 0
            ? min(users.count, Int(Double(users.count) * elapsed / configuration.rampUp) + 1)
            : users.count
        let end = min(due, nextToConnect + connectBurst)
        while nextToConnect < end {
            connect(users[nextToConnect])
            nextToConnect += 1
        }
        // With threads, the coordinator times the setup out for every thread at once.
        if thread == nil && elapsed > configuration.rampUp + configuration.setupTimeout {
            logger.warning("setup timeout: sending with the users that are ready",
                           metadata: ["ready": "\(statistics.ready)", "users": "\(users.count)"])
            startSending(now: now)
        }
    }

    /// Opens `user`'s connection to its target (or, back after a `--reconnect-every` drop, the
    /// next one), from that target's source address for it.
    func connect(_ user: SimulatedUser) {
        let endpoint = endpoints[user.connectTarget]
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
        guard elapsed < configuration.duration else {
            // The last tick pays out what the rate owes at the end of the duration, however late
            // it runs: each user sends rate × duration messages (its phase, under one message,
            // rounds that), unless its windows held it back.
            if configuration.rate > 0 { sendPaced(elapsed: configuration.duration) }
            return stopSending(now: now)
        }
        churnDueUsers(elapsed: elapsed)
        reconnectDueUsers(elapsed: elapsed)
        // As fast as the windows allow: those held back by deliveries still on their way
        // (which no pong announces) go on once the ledger says enough have arrived.
        guard configuration.rate > 0 else { return users.forEach(fillWindow) }
        sendPaced(elapsed: elapsed)
    }

    /// `--rate`: each user sends what is due `elapsed` seconds into sending, as far as its windows allow.
    private func sendPaced(elapsed: Double) {
        for user in users where user.state == .ready && user.isChecked && !user.leaving {
            let target = UInt64(elapsed * configuration.rate + ratePhases[user.index])
            var due = Int(target) - Int(user.sent)
            while due > 0 && mayPost(user) && send(from: user) { due -= 1 }
            user.requestConfirmation()
        }
    }

    /// Makes `--churn` churners a second quit (and reconnect), picked at random among those connected.
    private func churnDueUsers(elapsed: Double) {
        guard configuration.churn > 0 else { return }
        var cycles = Int(elapsed * configuration.churn)
        if let thread {
            // Cycle k of the run's is thread k % threads's.
            cycles = cycles > thread.index ? (cycles - thread.index + thread.count - 1) / thread.count : 0
        }
        let due = cycles - churned
        for _ in 0..<max(0, due) {
            let start = Int(randomness.next() % UInt64(users.count))
            guard let user = (0..<users.count).lazy.map({ self.users[(start + $0) % self.users.count] })
                .first(where: { $0.role == .churner && $0.state == .ready && !$0.isQuitting }) else { return }
            churned += 1
            user.churn()
        }
    }

    /// `--reconnect-every S`: this thread's users drop and resume `users / S` times a second,
    /// each drop a user picked at random among those ready, so each does about every S seconds.
    private func reconnectDueUsers(elapsed: Double) {
        guard configuration.reconnectEvery > 0 else { return }
        let due = Int(elapsed * Double(users.count) / configuration.reconnectEvery) - reconnectsAsked
        for _ in 0..<max(0, due) {
            let start = Int(randomness.next() % UInt64(users.count))
            // A drop with nobody ready to take it is skipped, not owed: no burst of drops later.
            reconnectsAsked += 1
            guard let user = (0..<users.count).lazy.map({ self.users[(start + $0) % self.users.count] })
                .first(where: { $0.isChecked && $0.state == .ready && !$0.leaving }) else { continue }
            user.leaveToResume()
        }
    }

    func stopSending(now: UInt64) {
        phase = .draining
        sendEndMicros = now
        drainDeadlineMicros = now + UInt64(configuration.drainTimeout * 1e6)
        drainWatch = DrainWatch(idleSeconds: configuration.drainIdle, delivered: statistics.delivered, now: now)
        users.forEach { $0.requestConfirmation() }
    }

    /// Ends the drain at `--drain-timeout`, the safety net, or, on one thread, once every
    /// delivery has arrived or none has for `--drain-idle` seconds (what is missing then is
    /// lost). A thread's deliveries come from every thread's users: there the coordinator
    /// decides all but the safety net, from every thread's figures.
    private func drainIfDone(now: UInt64) {
        let missing = statistics.expected - min(statistics.expected, statistics.delivered)
        if now >= drainDeadlineMicros {
            if thread == nil { DrainWatch.log(.timedOut, missing: missing, configuration: configuration, logger: logger) }
            return finish()
        }
        guard thread == nil, let end = drainWatch?.end(delivered: statistics.delivered, expected: statistics.expected, now: now) else {
            return
        }
        DrainWatch.log(end, missing: missing, configuration: configuration, logger: logger)
        finish()
    }

    func finish() {
        guard phase != .done else { return }
        let now = MonotonicClock.micros()
        if sendEndMicros == 0 { sendEndMicros = now }
        if phase == .draining { drainEndMicros = now }
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
        let sent: (deliveries: Int, recipient: Int?)?
        if let thread {
            // A friend on this thread as it is now; one on another as it was when sending started.
            let receivers = self.receivers
            sent = user.sendMessage(direct: direct, randomness: &randomness, into: &line, roomSize: roomSize,
                                    canReceive: { friend in
                                        guard thread.owns(friend) else { return receivers[friend] }
                                        let local = users[thread.local(friend)]
                                        return local.isChecked && local.state == .ready
                                    })
        } else {
            sent = user.sendMessage(direct: direct, randomness: &randomness, into: &line, roomSize: roomSize,
                                    canReceive: { users[$0].isChecked && users[$0].state == .ready })
        }
        guard let message = sent else { return false }
        user.expectedDeliveries += UInt64(message.deliveries)
        if let recipient = message.recipient {
            if thread == nil { users[recipient].directExpected += 1 } else { directSent += 1 }
        } else if let room = user.room {
            roomSays[room] += 1
        }
        statistics.sent += 1
        statistics.expected += UInt64(message.deliveries)
        return true
    }

    func fillWindow(_ user: SimulatedUser) {
        guard user.state == .ready, user.isChecked, !user.leaving else { return }
        while mayPost(user), send(from: user) {}
    }

    /// The two windows a user sends within: fewer than `--window` messages the server has not
    /// confirmed (by `pong`), and fewer than `--window` messages' worth of deliveries (each
    /// message's recipients, counted in the ``DeliveryLedger``) that have not reached their
    /// receivers. The first bounds what the server has not read; the second what it has read
    /// and not yet written, or written and the receivers not yet read, so that a flood on a
    /// slow machine, or a receiver that stops reading, holds its senders back instead of
    /// building a backlog in the server and the kernel.
    func mayPost(_ user: SimulatedUser) -> Bool {
        guard user.inFlight < configuration.window else { return false }
        let reached = ledger.reached(user.index)
        guard user.expectedDeliveries > reached else { return true }
        let recipients: Int
        switch configuration.mode {
        case .direct: recipients = 1
        case .room, .mixed: recipients = max(1, (user.room.map { roomSizes[$0] } ?? 0) - 1)
        }
        return user.expectedDeliveries - reached < UInt64(configuration.window * recipients)
    }
}
