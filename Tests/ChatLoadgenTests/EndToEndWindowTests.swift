import ChatTestSupport
import Foundation
import Testing
@testable import ChatLoadgen

/// The end-to-end window: a sender holds back while `--window` messages' worth of its
/// deliveries have not reached their receivers, so a receiver that stops reading holds its
/// senders back instead of filling the server; and the drain ends once nothing more arrives.
extension LoadgenSmokeTests {
    /// u1 stops getting u0's messages (the server holds them, as it would hold what a stalled
    /// reader has not read) while u0 still gets u1's and every `ping` is answered: u0 stops at
    /// the window, u1 goes on. Without the end-to-end window, u0 would send for the whole second,
    /// as fast as its pongs come back. The drain ends after `--drain-idle` without a delivery,
    /// long before its `--drain-timeout`, and the held messages are counted lost.
    @Test(arguments: [1, 2])
    func aReceiverThatStopsReadingHoldsItsSenderBack(threads: Int) throws {
        let server = try FaultyChatServer(fault: .withhold, sender: "u0", receiver: "u1")
        defer { server.stop() }
        let window = 8
        let run = try Self.runLoadgen(["--port", "\(server.port)", "--threads", "\(threads)", "--mode", "room",
                                       "--rooms", "1", "--users", "2", "--rate", "0", "--duration", "1",
                                       "--window", "\(window)", "--drain-idle", "3", "--drain-timeout", "600"])
        let withheld = server.withheld
        #expect((1...window).contains(withheld), "u0 sent \(withheld) with a window of \(window)")
        let sent = try #require(run.report["sent"] as? Int)
        #expect(sent - withheld > window, "u1 sent \(sent - withheld): it is not held back by u0's receiver")
        #expect(run.report["lost"] as? Int == withheld, "report: \(run.report)")
        #expect(run.report["delivered"] as? Int == sent - withheld)
        #expect(run.stderr.contains("drain ended: no delivery for --drain-idle seconds"), "stderr:\n\(run.stderr)")
        #expect(try #require((run.report["drain_s"] as? NSNumber)?.doubleValue) < 600)
        #expect(run.status == .exit(1))
        #expect(run.report["passed"] as? Bool == false)
    }
}

/// The ledger the end-to-end window reads: each thread's row, published a batch at a time.
@Suite struct DeliveryLedgerTests {
    @Test func aSenderReachesWhatEveryRowPublished() {
        let ledger = DeliveryLedger(senders: 4, rows: 2)
        var first = DeliveryLedger.Batch(row: 0, senders: 4)
        var second = DeliveryLedger.Batch(row: 1, senders: 4)
        for _ in 0..<3 { first.record(sender: 2) }
        first.record(sender: 0)
        second.record(sender: 2)
        #expect((0..<4).map(ledger.reached) == [0, 0, 0, 0], "nothing counts before it is published")
        first.publish(to: ledger)
        #expect((0..<4).map(ledger.reached) == [1, 0, 3, 0])
        second.publish(to: ledger)
        first.publish(to: ledger)  // nothing new: nothing added twice
        #expect((0..<4).map(ledger.reached) == [1, 0, 4, 0])
        first.record(sender: 3)
        first.publish(to: ledger)
        #expect((0..<4).map(ledger.reached) == [1, 0, 4, 1])
    }
}
