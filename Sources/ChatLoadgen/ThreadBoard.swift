import Histogram
import LibeventKit

/// What the threads of a `--threads` run and their coordinator share: a doorbell for each
/// thread and one for the coordinator, the coordinator's directive, each thread's figures as
/// of its last tick, the progress line being gathered, and each thread's outcome.
///
/// Everything here is off the per-message path: a thread publishes its figures once a tick
/// (10 ms), answers a progress request once a progress interval, and reads the directive when
/// its doorbell rings; messages are sent, received and checked on each thread's own loop.
final class ThreadBoard: Sendable {
    let count: Int
    /// Rings thread `i`'s loop: the directive changed.
    let doorbells: [Doorbell]
    /// Rings the coordinator's loop: a thread has all its users ready, has answered a
    /// progress request, or has finished.
    let coordinatorBell = Doorbell()
    /// Every sender's deliveries that reached their receivers, a row per thread: what each
    /// thread's senders hold back on.
    let ledger: DeliveryLedger
    private let state: Locked<State>

    struct State: Sendable {
        var directive = ThreadDirective()
        /// Each thread's figures as of its last tick.
        var figures: [ThreadFigures]
        /// Each thread's users (by local index, user `thread + k * count` at `k`) that were
        /// ready at its last tick before sending: who may be sent to, on every thread.
        var readyUsers: [[Bool]]
        var gather: ProgressGather
        /// Each thread's outcome, once it has finished.
        var outcomes: [ThreadOutcome?]
    }

    init(count: Int, targets: Int, users: Int) {
        self.count = count
        ledger = DeliveryLedger(senders: users, rows: count)
        doorbells = (0..<count).map { _ in Doorbell() }
        state = Locked(State(figures: Array(repeating: ThreadFigures(targets: targets), count: count),
                             readyUsers: Array(repeating: [], count: count), gather: ProgressGather(),
                             outcomes: Array(repeating: nil, count: count)))
    }

    // MARK: A thread's side

    var directive: ThreadDirective { state.withLock { $0.directive } }

    func publish(_ figures: ThreadFigures, thread: Int, allReadyNow: Bool) {
        state.withLock { $0.figures[thread] = figures }
        if allReadyNow { coordinatorBell.ring() }
    }

    func publishReadyUsers(_ ready: [Bool], thread: Int) {
        state.withLock { $0.readyUsers[thread] = ready }
    }

    /// Adds a thread's figures and latencies since its last answer to progress request `epoch`;
    /// the last thread to answer rings the coordinator.
    func answerProgress(epoch: Int, figures: ProgressFigures, latency: Histogram<UInt64>, thread: Int) {
        let complete = state.withLock { state -> Bool in
            guard state.gather.epoch == epoch else { return false }
            state.gather.figures.add(figures)
            state.gather.latency.add(latency)
            state.gather.answered += 1
            return state.gather.answered == count
        }
        if complete { coordinatorBell.ring() }
    }

    func finished(thread: Int, outcome: ThreadOutcome) {
        state.withLock { $0.outcomes[thread] = outcome }
        coordinatorBell.ring()
    }

    // MARK: The coordinator's side

    /// A copy of everything (arrays are shared, not copied, until someone writes).
    var snapshot: State { state.withLock { $0 } }

    /// Changes the directive and rings every thread.
    func direct(_ change: (inout ThreadDirective) -> Void) {
        state.withLock { change(&$0.directive) }
        for doorbell in doorbells { doorbell.ring() }
    }

    /// Starts gathering progress request `epoch`, then asks every thread for it.
    func gatherProgress(epoch: Int) {
        state.withLock { state in
            state.gather.reset(epoch: epoch)
            state.directive.progressEpoch = epoch
        }
        for doorbell in doorbells { doorbell.ring() }
    }
}

/// Which thread a user runs on, and what it shares with the others (`--threads`).
struct ThreadLink: Sendable {
    let index: Int
    let board: ThreadBoard

    var count: Int { board.count }
    /// User `user` runs on thread `user % count`...
    @inline(__always) func owns(_ user: Int) -> Bool { user % count == index }
    /// ...at this place among that thread's users.
    @inline(__always) func local(_ user: Int) -> Int { user / count }
    /// The global index of this thread's `local`-th user.
    func global(_ local: Int) -> Int { index + local * count }
}

/// What the coordinator tells every thread; each thread does what is new to it when its
/// doorbell rings. Each field changes once (the epoch grows), so a missed ring loses nothing.
struct ThreadDirective: Sendable {
    /// Sending starts, for every thread at once.
    var start: SendingStart?
    /// Stop sending and drain (SIGINT or SIGTERM while sending).
    var stopSending = false
    /// Stop: the drain is over, or a thread has finished.
    var finish = false
    /// Stop at once, for this reason (logged once, by the coordinator).
    var abortReason: String?
    /// The progress request to answer.
    var progressEpoch = 0
}

/// The start of sending, the same for every thread.
struct SendingStart: Sendable {
    /// When the measurement window opened: every thread counts its duration from it.
    let micros: UInt64
    /// By global index: the checked users ready then, on any thread, whom a `chat` may go to.
    let receivers: [Bool]
    /// The checked users ready in each room then: a `say` is expected to reach all but its sender.
    let roomSizes: [Int]
}

/// One thread's figures as of its last tick: what the coordinator decides the run's phases
/// and its stops from.
struct ThreadFigures: Sendable {
    var phase = LoadGenerator.Phase.connecting
    var connected = 0
    var registered = 0
    var ready = 0
    /// When the last of the thread's users became ready; nil while one is not.
    var allReadyMicros: UInt64?
    /// Per target: users whose first connection failed, and why the last of them failed.
    var connectFailedByTarget: [Int]
    var lastFailureByTarget: [String?]
    var disconnects = 0
    var lastFailure: String?
    /// Deliveries expected by what the thread's users sent, and deliveries its users received.
    var expected: UInt64 = 0
    var delivered: UInt64 = 0

    init(targets: Int) {
        connectFailedByTarget = Array(repeating: 0, count: targets)
        lastFailureByTarget = Array(repeating: nil, count: targets)
    }
}

/// One progress line being gathered from every thread.
struct ProgressGather: Sendable {
    var epoch = 0
    var answered = 0
    var figures = ProgressFigures()
    var latency = LoadStatistics.makeHistogram()

    mutating func reset(epoch: Int) {
        self.epoch = epoch
        answered = 0
        figures = ProgressFigures()
        latency.reset()
    }
}

/// How a thread's part of the run ended.
enum ThreadOutcome: Sendable {
    case finished(ThreadResult)
    /// It could not start (no event base, no TLS context).
    case failed(String)
}

/// Everything one thread measured, for the coordinator to add up.
struct ThreadResult: Sendable {
    var connected = 0
    var registered = 0
    var ready = 0
    var connectFailures = 0
    var disconnects = 0
    var connectedByTarget: [Int] = []
    var sent: UInt64 = 0
    var expected: UInt64 = 0
    var errors: [String: Int] = [:]
    /// Every latency its users measured.
    var latency = LoadStatistics.makeHistogram()
    /// Its checked users' delivery checks, added up.
    var checks = DeliveryTotals()
    /// `say`s its users sent, per room, and `chat`s (each expected once, by a user on any thread).
    var roomSays: [UInt64] = []
    var directSent: UInt64 = 0
    var churned = 0
    var stuckDropped = 0
    var sendEndMicros: UInt64 = 0
    /// When its drain ended by itself (`--drain-timeout`); 0 when the coordinator ended it.
    var drainEndMicros: UInt64 = 0
}
