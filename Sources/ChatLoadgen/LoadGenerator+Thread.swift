import LibeventKit

/// One thread of a `--threads` run: its share of the users on its own loop, in step with
/// the other threads through the ``ThreadBoard``. Everything here runs on the thread's own
/// loop, and nothing of it on the per-message path.
extension LoadGenerator {

    /// Runs this thread's users until the coordinator (or the drain timeout) ends the run;
    /// what they measured, for the coordinator to add up.
    func runThread(_ thread: ThreadLink) -> ThreadResult {
        let timer = EventTimer(loop: loop) { [unowned self] in self.tick() }
        tickTimer = timer
        let listener = thread.board.doorbells[thread.index].listen(on: loop) { [unowned self] in self.obey(thread.board.directive) }
        timer.schedule(after: 0)
        loop.run()
        listener.stop()
        tickTimer = nil
        users.forEach { $0.close() }
        return makeThreadResult()
    }

    /// Does what is new to this thread in the coordinator's directive.
    private func obey(_ directive: ThreadDirective) {
        guard phase != .done, let thread else { return }
        if let reason = directive.abortReason {
            abortReason = reason
            return finish()
        }
        if let start = directive.start, phase == .connecting { beginSending(start) }
        if directive.stopSending && phase == .sending { stopSending(now: MonotonicClock.micros()) }
        if directive.finish { return finish() }
        if directive.progressEpoch > answeredProgress {
            answeredProgress = directive.progressEpoch
            thread.board.answerProgress(epoch: directive.progressEpoch, figures: ProgressFigures(statistics),
                                        latency: statistics.recentLatency, thread: thread.index)
            statistics.mergeRecentLatency()
        }
    }

    /// Sending starts, when it does for every thread: sizes and receivers are the whole run's.
    private func beginSending(_ start: SendingStart) {
        receivers = start.receivers
        if !start.roomSizes.isEmpty { roomSizes = start.roomSizes }
        startSending(now: start.micros)
    }

    /// This thread's figures, for the coordinator; before sending, also which users are ready
    /// whenever that has changed.
    func publish(to thread: ThreadLink, allReadyNow: Bool) {
        if phase == .connecting {
            let readiness = statistics.ready + statistics.disconnects
            if readiness != publishedReadiness {
                publishedReadiness = readiness
                thread.board.publishReadyUsers(users.map { $0.state == .ready }, thread: thread.index)
            }
        }
        var figures = ThreadFigures(targets: endpoints.count)
        figures.phase = phase
        figures.connected = statistics.connected
        figures.registered = statistics.registered
        figures.ready = statistics.ready
        figures.allReadyMicros = statistics.ready == users.count ? setupEndMicros : nil
        figures.connectFailedByTarget = statistics.connectFailedByTarget
        figures.lastFailureByTarget = lastFailureByTarget
        figures.disconnects = statistics.disconnects
        figures.lastFailure = lastFailure
        figures.expected = statistics.expected
        figures.delivered = statistics.delivered
        thread.board.publish(figures, thread: thread.index, allReadyNow: allReadyNow)
    }

    private func makeThreadResult() -> ThreadResult {
        statistics.mergeRecentLatency()
        var result = ThreadResult()
        result.connected = statistics.connected
        result.registered = statistics.registered
        result.ready = statistics.ready
        result.connectFailures = statistics.connectFailures
        result.disconnects = statistics.disconnects
        result.connectedByTarget = statistics.connectedByTarget
        result.sent = statistics.sent
        result.expected = statistics.expected
        result.errors = statistics.errors
        result.latency = statistics.latency
        result.checks = DeliveryTotals(of: users)
        result.roomSays = roomSays
        result.directSent = directSent
        result.churned = churned
        result.stuckDropped = stuckDropped
        result.sendEndMicros = sendEndMicros
        result.drainEndMicros = drainEndMicros
        return result
    }
}
