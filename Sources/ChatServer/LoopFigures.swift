import ChatCore
import LibeventKit

/// One loop's side of the figure exchange of `--loops N`: when another loop asks (its
/// ``FigureBoard`` entry says so and its figure bell rings), this loop's figures as they
/// stand, put on the board, and the askers rung. Lives while the loop runs; once it has
/// stopped, ``retire()`` leaves its final figures for every later ask and rings loop 0,
/// which, once drained, stops after the last of the others (``ChatServer/stopAfterSiblings()``).
final class FigureAnswerer {
    private unowned let server: ChatServer
    private let siblings: LoopSiblings
    private var listener: DoorbellListener?

    init(server: ChatServer, siblings: LoopSiblings) {
        self.server = server
        self.siblings = siblings
        listener = siblings.figureBells[server.index].listen(on: server.loop) { [unowned self] in self.answer() }
    }

    private func answer() {
        let index = server.index
        if index == 0 && siblings.lastToStop.load(ordering: .relaxed) && siblings.othersStopped(except: 0) {
            return server.loop.stop()
        }
        // The round first, then the figures: they hold everything done before that ask.
        guard let round = siblings.board.withLock({ $0.roundOwed(by: index) }) else { return }
        let stats = server.localStats()
        let askers = siblings.board.withLock { $0.answer(round, from: index, with: stats) }
        for asker in askers { asker.ring() }
    }

    /// The loop has returned: its last figures stand for it from now on.
    func retire() {
        listener = nil
        let stats = server.localStats()
        let askers = siblings.board.withLock { $0.stop(server.index, with: stats) }
        for asker in askers { asker.ring() }
        if server.index != 0 { siblings.figureBells[0].ring() }
    }
}

/// The server's figures over every loop, exact at the time of the read: asks each other
/// loop for its figures (``LoopSiblings/ask(from:reply:)``) and calls back on this loop
/// once all have answered. A loop that has not answered within ``patience`` (a callback
/// that holds its thread) is counted from its last figures, at most 100 ms old unless it is
/// stuck. With one loop the figures are read at once.
///
/// Touched only on its loop's thread.
final class FreshFigures {
    /// How long a read waits for the other loops.
    static let patience = 1.0

    private unowned let server: ChatServer
    private var pending: [(round: Int, deadline: Double, done: (ServerStats) -> Void)] = []
    /// Rung by the loops that answer; made at the first read that needs it.
    private var bell: Doorbell?
    private var listener: DoorbellListener?
    private var timer: EventTimer?

    init(server: ChatServer) {
        self.server = server
    }

    /// Whoever waits still gets figures: those there are.
    deinit { finishAll() }

    /// Calls `done` with the figures over every loop as they stand once each has answered.
    func read(_ done: @escaping (ServerStats) -> Void) {
        guard let siblings = server.siblings, siblings.count > 1 else { return done(server.currentStats()) }
        let bell = self.bell ?? makeBell()
        let round = siblings.ask(from: server.index, reply: bell)
        pending.append((round, UnixClock.monotonicSeconds() + Self.patience, done))
        check()
    }

    /// Calls every waiting reader back now with the figures there are.
    func finishAll() {
        let waiting = pending
        pending.removeAll()
        timer?.cancel()
        guard !waiting.isEmpty else { return }
        let stats = server.currentStats()
        for reader in waiting { reader.done(stats) }
    }

    private func makeBell() -> Doorbell {
        let bell = Doorbell()
        self.bell = bell
        listener = bell.listen(on: server.loop) { [unowned self] in self.check() }
        timer = EventTimer(loop: server.loop) { [unowned self] in self.check() }
        return bell
    }

    /// Answers the reads whose round every other loop has answered, or whose patience ran out.
    private func check() {
        guard let siblings = server.siblings else { return }
        let now = UnixClock.monotonicSeconds()
        while let first = pending.first,
              first.deadline <= now || siblings.answered(first.round, except: server.index) {
            pending.removeFirst()
            first.done(server.currentStats())
        }
        if let next = pending.first {
            timer?.schedule(after: max(0.001, next.deadline - now))
        } else {
            timer?.cancel()
        }
    }
}
