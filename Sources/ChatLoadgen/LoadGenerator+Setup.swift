import ChatCore
import LibeventKit

/// Choosing roles and friends before the run, and the report after it.
extension LoadGenerator {

    /// What user `index` does: the last `--stuck-readers` are stuck, and with `--churn`
    /// every fifth of the others is a churner.
    static func role(of index: Int, configuration: LoadConfiguration) -> SimulatedUser.Role {
        if index >= configuration.users - configuration.stuckReaders { return .stuck }
        if configuration.churn > 0 && index % 5 == 4 { return .churner }
        return .checked
    }

    /// `count` distinct friends among `population`, other than `index`.
    static func chooseFriends(of index: Int, among population: [Int], count: Int,
                              randomness: inout SplitMix64) -> [Int] {
        let others = population.count - 1
        guard others > 0 else { return [index] }
        var friends: [Int] = []
        while friends.count < min(max(1, count), others) {
            let candidate = population[Int(randomness.next() % UInt64(population.count))]
            if candidate != index && !friends.contains(candidate) { friends.append(candidate) }
        }
        return friends
    }

    func makeReport() -> LoadReport {
        statistics.mergeRecentLatency()
        var report = LoadReport(configuration: configuration, statistics: statistics)
        // Expected and delivered, per receiver that stayed: every say in its room but its own,
        // every chat addressed to it.
        var expected: UInt64 = 0
        for user in users where user.isChecked {
            if let room = user.room { expected += roomSays[room] - user.roomSaysSent }
            expected += user.directExpected
        }
        let checks = DeliveryTotals(of: users)
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
        report.time(start: startMicros, setupEnd: setupEndMicros ?? sendEndMicros, sendStart: sendStartMicros,
                    sendEnd: sendEndMicros, drainEnd: drainEndMicros, startCPUSeconds: startCPUSeconds)
        return report
    }
}
