import ChatCluster
import LibeventKit
import Synchronization

/// What the event loops of one `--loops N` process share: the hub that joins their views of
/// the chat, the server-wide connection limits, a doorbell per loop, and each loop's last
/// figures. Touched from every loop's thread; nothing here is on the per-message path
/// (a loop takes the hub's lock once per pass's batch).
final class LoopSiblings: Sendable {
    let count: Int
    /// Joins the loops' registries; nil when the loops are nodes of a Redis cluster instead.
    let hub: LoopHub?
    /// The connection limits, counted over every loop.
    let admission = Admission()
    /// Rings a loop from another thread: loop 0 asks the others to drain on SIGTERM, and to
    /// stop at once on the second.
    let doorbells: [CountingDoorbell]
    /// Rings a loop to ask for its figures now, or to tell an asker that figures came in.
    let figureBells: [Doorbell]
    /// Each loop's accepted sockets, from loop 0, which alone listens and admits.
    let handoffs: [SocketHandoff]
    /// Each loop's figures, and who waits for which.
    let board: Locked<FigureBoard>
    /// The certificate and key every loop's TLS port serves: loop 0's SIGHUP reloads them for all.
    let tls: TLSContext?
    /// Set by loop 0 when the process drains (before the other loops hear of it).
    private let stopping = Atomic<Bool>(false)
    /// Loop 0 has finished and waits for the others to stop before it stops too.
    let lastToStop = Atomic<Bool>(false)

    init(count: Int, hub: LoopHub?, tls: TLSContext?) {
        self.count = count
        self.hub = hub
        self.tls = tls
        doorbells = (0..<count).map { _ in CountingDoorbell() }
        figureBells = (0..<count).map { _ in Doorbell() }
        handoffs = (0..<count).map { _ in SocketHandoff() }
        board = Locked(FigureBoard(count: count))
    }

    /// The process drains: from loop 0's first stop signal on, before any loop has closed
    /// a listener or said `bye,shutdown`.
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func beginStopping() {
        stopping.store(true, ordering: .releasing)
    }

    /// Whether every loop but `index` has stopped.
    func othersStopped(except index: Int) -> Bool {
        board.withLock { $0.stopped(except: index) }
    }

    // MARK: Figures

    /// Every 100 ms: loop `index`'s figures, for the throughput log.
    func publish(_ figures: ServerStats, from index: Int) {
        board.withLock { $0.figures[index] = figures }
    }

    /// Every loop's figures as last published or answered.
    var figures: [ServerStats] { board.withLock { $0.figures } }

    /// Asks every loop but `asker` for its figures now; `reply` rings once each has answered.
    /// Returns the round the answers must reach (``answered(_:except:)``).
    func ask(from asker: Int, reply: Doorbell) -> Int {
        let round = board.withLock { $0.ask(from: asker, reply: reply) }
        for (index, bell) in figureBells.enumerated() where index != asker { bell.ring() }
        return round
    }

    /// Whether every loop but `asker` has answered `round` (or has stopped and answers no more).
    func answered(_ round: Int, except asker: Int) -> Bool {
        board.withLock { $0.answered(round, except: asker) }
    }
}

/// The figures of a process's loops, kept under ``LoopSiblings/board``.
///
/// A loop asked for its figures takes the round it was asked for before it reads them, so
/// that the answer it gives for a round holds everything the loop did before the ask.
struct FigureBoard: Sendable {
    var figures: [ServerStats]
    /// By loop: the latest round it was asked for, and the latest it has answered.
    private var asked: [Int]
    private var answeredRounds: [Int]
    /// By loop: loops that stopped answer every round with their last figures.
    private var stopped: [Bool]
    /// By loop: the askers' doorbells and the round each waits for.
    private var waiting: [[(round: Int, reply: Doorbell)]]
    private var lastRound = 0

    init(count: Int) {
        figures = Array(repeating: ServerStats(), count: count)
        asked = Array(repeating: 0, count: count)
        answeredRounds = Array(repeating: 0, count: count)
        stopped = Array(repeating: false, count: count)
        waiting = Array(repeating: [], count: count)
    }

    mutating func ask(from asker: Int, reply: Doorbell) -> Int {
        lastRound += 1
        for index in figures.indices where index != asker && !stopped[index] {
            asked[index] = lastRound
            waiting[index].append((lastRound, reply))
        }
        return lastRound
    }

    /// The round loop `index` is to answer now; nil when it owes none.
    func roundOwed(by index: Int) -> Int? {
        asked[index] > answeredRounds[index] ? asked[index] : nil
    }

    /// Loop `index`'s answer to `round`; returns the doorbells of the askers it satisfies.
    mutating func answer(_ round: Int, from index: Int, with stats: ServerStats) -> [Doorbell] {
        figures[index] = stats
        answeredRounds[index] = max(answeredRounds[index], round)
        let done = waiting[index].filter { $0.round <= answeredRounds[index] }
        waiting[index].removeAll { $0.round <= answeredRounds[index] }
        return done.map(\.reply)
    }

    /// Loop `index` has stopped: its final figures answer every round from now on.
    mutating func stop(_ index: Int, with stats: ServerStats) -> [Doorbell] {
        figures[index] = stats
        stopped[index] = true
        defer { waiting[index] = [] }
        return waiting[index].map(\.reply)
    }

    func answered(_ round: Int, except asker: Int) -> Bool {
        figures.indices.allSatisfy { $0 == asker || stopped[$0] || answeredRounds[$0] >= round }
    }

    func stopped(except index: Int) -> Bool {
        stopped.indices.allSatisfy { $0 == index || stopped[$0] }
    }
}

/// A ``Doorbell`` that counts its rings: its loop runs the action once for each ring, even
/// when several came before the loop looked (a pipe takes them as one). Loop 0 rings twice
/// for SIGTERM then SIGINT: a sibling busy when both came must drain, then stop.
final class CountingDoorbell: Sendable {
    private let bell = Doorbell()
    private let rings = Atomic<Int>(0)

    func ring() {
        rings.add(1, ordering: .sequentiallyConsistent)
        bell.ring()
    }

    /// Runs `action` on `loop`'s thread once per ring.
    func listen(on loop: EventLoop, _ action: @escaping () -> Void) -> DoorbellListener {
        var taken = 0
        return bell.listen(on: loop) { [self] in
            let rung = rings.load(ordering: .sequentiallyConsistent)
            while taken < rung {
                taken += 1
                action()
            }
        }
    }
}
