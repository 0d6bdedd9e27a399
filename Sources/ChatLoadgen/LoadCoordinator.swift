import LibeventKit
import TLSOnDemand
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A `--threads` run: one ``LoadGenerator`` per thread, each with its own event loop and its
/// share of the users (user `i` on thread `i % threads`, so rooms, friends and targets are
/// the ones a run on one thread has), and this coordinator on the calling thread's own loop.
///
/// The coordinator keeps the phases in step: sending starts for every thread at once, when
/// the last thread has all its users ready (or the setup times out), from one start time that
/// every thread counts its duration from; the drain ends once every thread's users have had
/// every delivery any thread's users expect. It logs one progress line for the whole run (the
/// threads' counters and latencies gathered at one moment), takes SIGINT and SIGTERM, stops
/// the run when a target refuses all its users or the servers close every connection, and at
/// the end adds up what the threads measured into one report.
///
/// Every message is checked by its receiver's thread alone: the stamp carries its sender and
/// sequence, so each receiver's ``DeliveryCheck`` needs nothing from the sender's thread. What
/// was expected (every `say` by every room member but its sender, every `chat` once) is added
/// up after the threads have finished, so the per-message path takes no lock.
final class LoadCoordinator {
    let configuration: LoadConfiguration
    let logger: Logger
    let count: Int
    let loop: EventLoop
    let endpoints: [TargetEndpoint]
    let targetShares: [Int]
    let plan: LoadPlan
    let board: ThreadBoard
    let startMicros: UInt64
    /// The process's CPU seconds when the run started, for the generator's CPU in the report.
    let startCPUSeconds: Double
    private var phase = LoadGenerator.Phase.connecting
    private var tickTimer: EventTimer?
    private var signalWatchers: [SignalWatcher] = []
    private var progress: ProgressMeter
    /// The progress request being answered: its epoch, and the moment and phase it stands for.
    private var pendingProgress: (epoch: Int, micros: UInt64, phase: LoadGenerator.Phase)?
    private var progressEpoch = 0
    private var abortReason: String?
    private var setupEndMicros: UInt64?
    private var sendStartMicros: UInt64 = 0
    /// The drain, once every thread has stopped sending; when it ended.
    private var drainWatch: DrainWatch?
    private var drainEndMicros: UInt64 = 0
    /// Every thread has finished: the loop is stopping.
    private var loopStopped = false

    init(configuration: LoadConfiguration, logger: Logger) throws(LoadGeneratorError) {
        startMicros = MonotonicClock.micros()
        startCPUSeconds = ProcessCPU.seconds()
        self.configuration = configuration
        self.logger = logger
        count = configuration.threadCount
        guard !configuration.targets.isEmpty else { throw .noTargets }
        do throws(LibeventError) {
            loop = try EventLoop()
            endpoints = try TargetEndpoint.resolve(configuration)
        } catch {
            throw .libevent(error)
        }
        targetShares = LoadTarget.shares(users: configuration.users, targets: endpoints.count)
        // Each thread makes its own client context; one made here says at once when none can be.
        if configuration.transport.usesTLS { _ = try TLSClientContext() }
        // A WebSocket handshake checks the server's answer with libcrypto's SHA-1.
        if configuration.transport.usesWebSocket, let failure = tls_on_demand_load_crypto() {
            throw .tls("cannot load OpenSSL's libcrypto for the WebSocket handshake: \(String(cString: failure))")
        }
        plan = LoadPlan(configuration: configuration)
        board = ThreadBoard(count: count, targets: endpoints.count, users: configuration.users)
        progress = ProgressMeter(logger: logger, interval: configuration.progressInterval)
    }

    func run() -> LoadReport {
        FileDescriptorLimit.raiseToHardLimit()
        // A write to a connection the server has reset must fail with EPIPE, not kill the run.
        signal(SIGPIPE, SIG_IGN)
        let threads = (0..<count).map { index in
            let link = ThreadLink(index: index, board: board)
            let (configuration, logger, plan, endpoints, startMicros) = (configuration, logger, plan, endpoints, startMicros)
            return LoopThread(name: "chat-loadgen-\(index)") {
                let outcome: ThreadOutcome
                do {
                    let generator = try LoadGenerator(configuration: configuration, logger: logger, plan: plan,
                                                      endpoints: endpoints, thread: link, startMicros: startMicros)
                    outcome = .finished(generator.runThread(link))
                } catch {
                    outcome = .failed("\(error)")
                }
                link.board.finished(thread: index, outcome: outcome)
            }
        }
        let timer = EventTimer(loop: loop) { [unowned self] in self.tick() }
        tickTimer = timer
        let listener = board.coordinatorBell.listen(on: loop) { [unowned self] in self.evaluate(now: MonotonicClock.micros()) }
        for number in [SIGINT, SIGTERM] {
            if let watcher = try? SignalWatcher(loop: loop, signal: number, action: { [unowned self] in self.interrupted() }) {
                signalWatchers.append(watcher)
            }
        }
        timer.schedule(after: 0)
        loop.run()
        listener.stop()
        tickTimer = nil
        signalWatchers = []
        for thread in threads { thread.join() }
        return makeReport(outcomes: board.snapshot.outcomes.map { $0 ?? .failed("did not finish") })
    }

    // MARK: Phases

    private func tick() {
        evaluate(now: MonotonicClock.micros())
        if !loopStopped { tickTimer?.schedule(after: LoadGenerator.tickSeconds) }
    }

    /// Looks at every thread's figures and moves the run on: the start of sending, the end
    /// of the drain, a stop, the end; and the progress line.
    private func evaluate(now: UInt64) {
        guard !loopStopped else { return }
        let state = board.snapshot
        let finishedThreads = state.outcomes.filter { $0 != nil }.count
        if finishedThreads == count {
            loopStopped = true
            tickTimer?.cancel()
            return loop.stop()
        }
        if let failure = state.outcomes.lazy.compactMap({ outcome -> String? in
            if case .failed(let reason) = outcome { return reason }
            return nil
        }).first {
            return abort("a thread cannot start: \(failure)")
        }
        let figures = state.figures
        let draining = figures.allSatisfy { $0.phase == .draining || $0.phase == .done }
        switch phase {
        case .connecting:
            let readyTimes = figures.compactMap(\.allReadyMicros)
            if readyTimes.count == count {
                startSending(now: now, setupEnd: readyTimes.max() ?? now, readyUsers: state.readyUsers)
            } else if Double(now - startMicros) / 1e6 > configuration.rampUp + configuration.setupTimeout {
                logger.warning("setup timeout: sending with the users that are ready",
                               metadata: ["ready": "\(figures.map(\.ready).reduce(0, +))", "users": "\(configuration.users)"])
                startSending(now: now, setupEnd: now, readyUsers: state.readyUsers)
            }
        case .sending:
            if draining {
                phase = .draining
                drainWatch = DrainWatch(idleSeconds: configuration.drainIdle,
                                        delivered: figures.map(\.delivered).reduce(0, +), now: now)
            }
        case .draining, .done:
            break
        }
        if phase == .draining && draining { drainIfDone(figures, now: now) }
        // A thread that has finished (its drain reached --drain-timeout) ends the run for all.
        if finishedThreads > 0 {
            if phase == .draining {
                DrainWatch.log(.timedOut, missing: Self.missing(figures), configuration: configuration, logger: logger)
            }
            finishAll()
        }
        guard phase != .done else { return }
        checkForStops(figures)
        if phase != .done { progressIfDue(now: now, state: state) }
    }

    private func startSending(now: UInt64, setupEnd: UInt64, readyUsers: [[Bool]]) {
        guard phase == .connecting else { return }
        phase = .sending
        setupEndMicros = setupEnd
        sendStartMicros = now
        progress.startTimeline(at: now)
        var receivers = Array(repeating: false, count: configuration.users)
        for (thread, ready) in readyUsers.enumerated() {
            for (local, isReady) in ready.enumerated() where isReady {
                let user = thread + local * count
                receivers[user] = plan.roles[user] == .checked
            }
        }
        var roomSizes: [Int] = []
        if configuration.mode.usesRooms {
            let rooms = max(1, configuration.rooms)
            roomSizes = Array(repeating: 0, count: rooms)
            for (user, receives) in receivers.enumerated() where receives { roomSizes[user % rooms] += 1 }
        }
        let start = SendingStart(micros: now, receivers: receivers, roomSizes: roomSizes)
        board.direct { $0.start = start }
    }

    /// As one thread stops on its own: a target every one of whose users failed to connect
    /// the first time, or servers that closed every connection.
    private func checkForStops(_ figures: [ThreadFigures]) {
        guard abortReason == nil else { return }
        for target in endpoints.indices {
            let failed = figures.map { $0.connectFailedByTarget[target] }.reduce(0, +)
            if failed > 0 && failed == targetShares[target] {
                let reason = figures.lazy.compactMap { $0.lastFailureByTarget[target] }.first ?? "unknown"
                return abort("cannot connect to \(endpoints[target].name): \(reason)")
            }
        }
        let connected = figures.map(\.connected).reduce(0, +)
        let disconnects = figures.map(\.disconnects).reduce(0, +)
        if connected > 0 && disconnects >= connected && phase != .connecting {
            let reason = figures.lazy.compactMap(\.lastFailure).first ?? "unknown"
            abort("\(endpoints.count > 1 ? "the servers" : "the server") closed every connection (\(reason))")
        }
    }

    /// Ends the drain as one thread does (``LoadGenerator``), from every thread's figures: once
    /// every delivery any thread expects has arrived, or none has for `--drain-idle` seconds.
    /// (Each thread stops at `--drain-timeout` by itself, which ends the run for all.)
    private func drainIfDone(_ figures: [ThreadFigures], now: UInt64) {
        let delivered = figures.map(\.delivered).reduce(0, +), expected = figures.map(\.expected).reduce(0, +)
        guard let end = drainWatch?.end(delivered: delivered, expected: expected, now: now) else { return }
        DrainWatch.log(end, missing: Self.missing(figures), configuration: configuration, logger: logger)
        finishAll()
    }

    /// Deliveries the threads expect that have not arrived.
    private static func missing(_ figures: [ThreadFigures]) -> UInt64 {
        let delivered = figures.map(\.delivered).reduce(0, +), expected = figures.map(\.expected).reduce(0, +)
        return expected - min(expected, delivered)
    }

    private func finishAll() {
        guard phase != .done else { return }
        if phase == .draining { drainEndMicros = MonotonicClock.micros() }
        phase = .done
        board.direct { $0.finish = true }
    }

    private func abort(_ reason: String) {
        guard abortReason == nil else { return }
        abortReason = reason
        logger.error("stopping the run", metadata: ["reason": "\(reason)"])
        phase = .done
        board.direct { $0.abortReason = reason }
    }

    private func interrupted() {
        switch phase {
        case .connecting: abort("interrupted")
        case .sending:
            phase = .draining
            board.direct { $0.stopSending = true }
        case .draining: finishAll()
        case .done: loop.stop()
        }
    }

    // MARK: Progress

    /// Asks every thread for its figures when a line is due, and logs the line once all have answered.
    private func progressIfDue(now: UInt64, state: ThreadBoard.State) {
        if let pending = pendingProgress {
            guard state.gather.epoch == pending.epoch, state.gather.answered == count else { return }
            let latency = state.gather.latency
            let p99 = latency.totalCount > 0 ? latency.valueAtPercentile(99.0) : 0
            progress.report(now: pending.micros, phase: pending.phase.rawValue, figures: state.gather.figures, p99: p99)
            pendingProgress = nil
        }
        guard progress.isDue(now: now) else { return }
        progressEpoch += 1
        pendingProgress = (progressEpoch, now, phase)
        board.gatherProgress(epoch: progressEpoch)
    }

    // MARK: The report

    private func makeReport(outcomes: [ThreadOutcome]) -> LoadReport {
        let results = outcomes.compactMap { outcome -> ThreadResult? in
            if case .finished(let result) = outcome { return result }
            return nil
        }
        let statistics = LoadStatistics()
        statistics.connectedByTarget = Array(repeating: 0, count: endpoints.count)
        var roomSays = Array(repeating: UInt64(0), count: configuration.mode.usesRooms ? max(1, configuration.rooms) : 0)
        var directSent: UInt64 = 0
        var checks = DeliveryTotals()
        var churned = 0, stuckDropped = 0
        var sendEndMicros: UInt64 = 0
        for result in results {
            statistics.connected += result.connected
            statistics.registered += result.registered
            statistics.ready += result.ready
            statistics.connectFailures += result.connectFailures
            statistics.disconnects += result.disconnects
            for (target, connected) in result.connectedByTarget.enumerated() { statistics.connectedByTarget[target] += connected }
            statistics.sent += result.sent
            statistics.expected += result.expected
            statistics.delivered += result.checks.delivered - result.checks.duplicated
            statistics.errors.merge(result.errors, uniquingKeysWith: +)
            statistics.absorb(latency: result.latency)
            for (room, says) in result.roomSays.enumerated() { roomSays[room] += says }
            directSent += result.directSent
            checks.add(result.checks)
            churned += result.churned
            stuckDropped += result.stuckDropped
            sendEndMicros = max(sendEndMicros, result.sendEndMicros)
        }
        var report = LoadReport(configuration: configuration, statistics: statistics)
        // Expected, per receiver that stayed, as on one thread: every say in its room but its
        // own (so each say by each of a room's checked members but the sender), every chat once.
        var expected = directSent
        for (room, members) in plan.checkedMembers(configuration: configuration).enumerated() where members > 0 {
            expected += UInt64(members - 1) * roomSays[room]
        }
        report.expected = expected
        report.delivered = checks.delivered
        report.duplicated = checks.duplicated
        report.reordered = checks.reordered
        report.gaps = checks.gaps
        report.resumes = checks.resumes
        report.replayed = checks.replayed
        report.churned = churned
        report.stuckDropped = stuckDropped
        report.abortReason = abortReason
        report.threads = count
        report.time(start: startMicros, setupEnd: setupEndMicros ?? sendEndMicros, sendStart: sendStartMicros,
                    sendEnd: sendEndMicros, drainEnd: drainEndMicros > 0 ? drainEndMicros : results.map(\.drainEndMicros).max() ?? 0,
                    startCPUSeconds: startCPUSeconds)
        return report
    }
}
