import Testing

/// A room's lines of one loop pass are gathered and written to each member at the end of
/// the pass (`Registry+PassBatch.swift`). Over real sockets, what a member reads is still
/// every line in the order said and nothing of its own, whatever else it is sent meanwhile.
@Suite struct FanOutOrderTests {
    @Test func aDirectMessageInAPipelinedBurstComesBetweenTheRoomLinesSaidAroundIt() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Amy")
        try server.join("lobby", clients)
        let (jane, zak, amy) = (clients[0], clients[1], clients[2])
        // One write, so one read and one pass: the room lines wait in the batch while the
        // direct message goes to Zak.
        try jane.send("say,lobby,j1\nsay,lobby,j2\nchat,Zak,between\nsay,lobby,j3\nping,done\n")
        try zak.expect(lines: ["say,lobby,Jane,j1", "say,lobby,Jane,j2", "chat,Jane,between", "say,lobby,Jane,j3"])
        try amy.expect(lines: ["say,lobby,Jane,j1", "say,lobby,Jane,j2", "say,lobby,Jane,j3"])
        try jane.expect("pong,done")
        for client in clients { #expect(try client.sync() == [], "\(client.name) got more") }
    }

    @Test func twoSendersBurstingAtOnceReachEveryoneElseInFullAndInOrder() throws {
        let server = try ServerProcess.start()
        let clients = try server.registered("Jane", "Zak", "Amy")
        try server.join("lobby", clients)
        let (jane, zak, amy) = (clients[0], clients[1], clients[2])
        let count = 500
        let burst = { (prefix: String) in (1...count).map { "say,lobby,\(prefix)\($0)\n" }.joined() }
        try jane.send(burst("j"))
        try zak.send(burst("z"))
        var heard: [String: [Int]] = [:]
        for line in try amy.readLines(2 * count) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 4, fields[0] == "say", let number = Int(fields[3].dropFirst()) else {
                Issue.record("Amy got \(line)")
                continue
            }
            heard[String(fields[2]), default: []].append(number)
        }
        #expect(heard["Jane"] == Array(1...count))
        #expect(heard["Zak"] == Array(1...count))
        #expect(try jane.readLines(count) == (1...count).map { "say,lobby,Zak,z\($0)" })
        #expect(try zak.readLines(count) == (1...count).map { "say,lobby,Jane,j\($0)" })
        for client in clients { #expect(try client.sync() == [], "\(client.name) got more, or its own lines") }
    }
}
