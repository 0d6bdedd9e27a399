import Testing
@testable import ChatCore

@Suite struct HistoryTests {
    private let bob = ChatName("Bob")!

    private func append(_ history: inout History, _ millis: Int64, _ text: String, from: ChatName? = nil) {
        Array(text.utf8).withUnsafeBytes { history.append(id: millis, millis: millis, from: from ?? bob, text: $0) }
    }

    private func texts(_ history: History) -> [String] {
        history.entries.map { String(decoding: $0.text, as: UTF8.self) }
    }

    @Test func startsEmpty() {
        let history = History(limit: 10)
        #expect(history.count == 0)
        #expect(history.entries.isEmpty)
        #expect(history.limit == 10)
    }

    @Test func keepsEverythingBelowTheLimitOldestFirst() {
        var history = History(limit: 3)
        append(&history, 1, "one")
        append(&history, 2, "two")
        #expect(history.count == 2)
        #expect(history.entries.map(\.millis) == [1, 2])
        #expect(texts(history) == ["one", "two"])
        #expect(history[0].millis == 1)
        #expect(history[1].millis == 2)
    }

    @Test func keepsOnlyTheLastLimitEntriesOldestFirst() {
        var history = History(limit: 3)
        for millis in 1...5 { append(&history, Int64(millis), "m\(millis)") }
        #expect(history.count == 3)
        #expect(history.entries.map(\.millis) == [3, 4, 5])
        #expect(texts(history) == ["m3", "m4", "m5"])
        #expect(history[0].millis == 3)
        #expect(history[2].millis == 5)
    }

    @Test(arguments: [1, 2, 7, 10])
    func wrapsAroundManyTimes(_ limit: Int) {
        var history = History(limit: limit)
        for millis in 1...100 { append(&history, Int64(millis), "text \(millis)") }
        #expect(history.count == limit)
        #expect(history.entries.map(\.millis) == (101 - limit...100).map(Int64.init))
        #expect(texts(history) == (101 - limit...100).map { "text \($0)" })
    }

    @Test(arguments: [0, -1, -10])
    func aLimitOfZeroOrLessKeepsNothing(_ limit: Int) {
        var history = History(limit: limit)
        append(&history, 1, "lost")
        append(&history, 2, "lost too")
        #expect(history.limit == 0)
        #expect(history.count == 0)
        #expect(history.entries.isEmpty)
    }

    @Test func reusedSlotsTakeTheNewTextWhateverItsLength() {
        var history = History(limit: 2)
        append(&history, 1, "a rather long first message")
        append(&history, 2, "")
        append(&history, 3, "short")
        append(&history, 4, "a much, much longer message, with commas, than the slot held")
        #expect(texts(history) == ["short", "a much, much longer message, with commas, than the slot held"])
    }

    @Test func keepsTheSenderAsNamedAndTheTextByteForByte() throws {
        var history = History(limit: 4)
        let zak = try #require(ChatName("Zak"))
        append(&history, 1, "  hello, all ", from: zak)
        append(&history, 2, "héllo 世界 😀")
        #expect(history.entries.map(\.from) == [zak, bob])
        #expect(texts(history) == ["  hello, all ", "héllo 世界 😀"])
    }

    @Test func copiesTheTextOutOfTheLine() {
        var history = History(limit: 1)
        var line = Array("original".utf8)
        line.withUnsafeBytes { history.append(id: 1, millis: 1, from: bob, text: $0) }
        line.replaceSubrange(0..., with: Array("overwrt!".utf8))
        #expect(texts(history) == ["original"])
    }
}
