import ChatCore
import Foundation
import Testing
@testable import ChatStore

/// The embedded store on real SQLite files in temporary directories.
@Suite struct SQLiteArchiveTests {
    private let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-store-\(UUID().uuidString)").path
    }

    private func open(keep: Int = 10_000, days: Int = 30) throws -> SQLiteArchive {
        var settings = StoreSettings(directory: directory)
        settings.historyKeep = keep
        settings.historyDays = days
        settings.syncMilliseconds = 5
        return try SQLiteArchive(settings: settings) { _ in }
    }

    private func run(from firstID: Int64, _ texts: [String], by sender: String = "ann", millis: Int64 = UnixClock.nowMillis()) -> RoomChunk {
        var run = RoomChunk(firstID: firstID)
        for text in texts { Array(text.utf8).withUnsafeBytes { run.append(millis: millis, from: ChatName(sender)!, text: $0) } }
        return run
    }

    private func texts(_ entries: [History.Entry]) -> [String] { entries.map { String(decoding: $0.text, as: UTF8.self) } }

    @Test func whatWasKeptIsReadBeforeAndAfterItIsWrittenAndAfterAReopen() throws {
        let epoch = RoomEpoch(value: 0xabc)
        let room = ChatName("Lobby")!
        do {
            let archive = try open()
            archive.keep(run(from: 1, ["one", "two"]), in: room, epoch: epoch)
            archive.keep(run(from: 3, ["three"], by: "bob"), in: room, epoch: epoch)
            #expect(archive.room(room.folded) == ArchivedRoom(name: room, epoch: epoch, lastID: 3))
            #expect(texts(archive.entries(of: room.folded, .after(0, limit: 10))) == ["one", "two", "three"])
            #expect(texts(archive.entries(of: room.folded, .after(1, limit: 1))) == ["two"])
            archive.close()
            #expect(archive.writtenMessages == 3)
            #expect(texts(archive.entries(of: room.folded, .before(4, limit: 2))) == ["two", "three"])
        }
        let reopened = try open()
        defer { reopened.close() }
        #expect(reopened.opened.rooms == 1 && reopened.opened.messages == 3)
        #expect(reopened.room(room.folded) == ArchivedRoom(name: room, epoch: epoch, lastID: 3))
        let entries = reopened.entries(of: room.folded, .after(0, limit: 10))
        #expect(entries.map(\.id) == [1, 2, 3])
        #expect(entries.map(\.from.description) == ["ann", "ann", "bob"])
        #expect(texts(entries) == ["one", "two", "three"])
    }

    @Test func aPageReadsOnlyTheIdsAskedForAcrossRuns() throws {
        let archive = try open()
        let room = ChatName("paging")!
        for first in stride(from: Int64(1), through: 91, by: 10) {
            archive.keep(run(from: first, (first..<first + 10).map { "m\($0)" }), in: room, epoch: RoomEpoch(value: 1))
        }
        archive.close()
        let reopened = try open()
        defer { reopened.close() }
        #expect(reopened.entries(of: room.folded, .after(44, limit: 8)).map(\.id) == Array(45...52))
        #expect(reopened.entries(of: room.folded, .before(53, limit: 8)).map(\.id) == Array(45...52))
        #expect(reopened.entries(of: room.folded, .after(94, limit: 20)).map(\.id) == Array(95...100))
        #expect(reopened.entries(of: room.folded, .before(4, limit: 20)).map(\.id) == [1, 2, 3])
        #expect(reopened.entries(of: room.folded, .before(101, limit: 3)).map(\.id) == [98, 99, 100])
        #expect(reopened.entries(of: ChatName("nowhere")!, .after(0, limit: 10)).isEmpty)
    }

    @Test func aRoomKeepsItsLatestHistoryKeepMessagesAndItsIdsGoOn() throws {
        let archive = try open(keep: 5)
        let room = ChatName("small")!
        archive.keep(run(from: 1, ["1", "2", "3", "4"]), in: room, epoch: RoomEpoch(value: 7))
        archive.close()
        let again = try open(keep: 5)
        again.keep(run(from: 5, ["5", "6", "7", "8"]), in: room, epoch: RoomEpoch(value: 7))
        again.close()
        let third = try open(keep: 5)
        defer { third.close() }
        #expect(third.room(room.folded)?.lastID == 8)
        #expect(third.entries(of: room.folded, .before(9, limit: 100)).map(\.id) == [4, 5, 6, 7, 8])
    }

    @Test func messagesOlderThanHistoryDaysAreNotReadAndGoAtStart() throws {
        let archive = try open(days: 1)
        let room = ChatName("old")!
        let twoDaysAgo = UnixClock.nowMillis() - 2 * 86_400_000
        archive.keep(run(from: 1, ["ancient"], millis: twoDaysAgo), in: room, epoch: RoomEpoch(value: 1))
        archive.close()
        let again = try open(days: 1)
        again.keep(run(from: 2, ["fresh"]), in: room, epoch: RoomEpoch(value: 1))
        #expect(texts(again.entries(of: room.folded, .after(0, limit: 100))) == ["fresh"])
        again.close()
        let reopened = try open(days: 1)
        defer { reopened.close() }
        #expect(reopened.opened.messages == 1, "the old run was dropped at start")
        #expect(reopened.room(room.folded)?.lastID == 2, "the record keeps its last id")
    }

    @Test func aNewEpochReplacesTheRoomsOldRecord() throws {
        let archive = try open()
        let room = ChatName("again")!
        archive.keep(run(from: 1, ["old 1", "old 2"]), in: room, epoch: RoomEpoch(value: 1))
        archive.close()
        let again = try open()
        again.keep(run(from: 1, ["new 1"]), in: room, epoch: RoomEpoch(value: 2))
        again.close()
        let third = try open()
        defer { third.close() }
        #expect(third.room(room.folded) == ArchivedRoom(name: room, epoch: RoomEpoch(value: 2), lastID: 1))
        #expect(texts(third.entries(of: room.folded, .after(0, limit: 100))) == ["new 1"])
    }

    @Test func aFileThatIsNotADatabaseIsAClearErrorAtOpen() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: directory + "/chat.db"))
        #expect {
            _ = try open()
        } throws: { error in
            let text = "\(error)"
            return text.contains(directory + "/chat.db") && text.contains("not a database")
        }
    }

    @Test func aDirectoryThatCannotBeMadeIsAClearErrorAtOpen() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: directory + "/file", contents: Data()))
        var settings = StoreSettings(directory: directory + "/file/data")
        settings.syncMilliseconds = 5
        #expect {
            _ = try SQLiteArchive(settings: settings) { _ in }
        } throws: { error in "\(error)".contains(directory + "/file/data") && "\(error)".contains("Not a directory") }
    }

    @Test func pastItsBacklogBoundTheArchiveSaysSoUntilTheWriterCatchesUp() throws {
        var settings = StoreSettings(directory: directory)
        settings.maxBacklogBytes = 1000
        settings.syncMilliseconds = 5
        let archive = try SQLiteArchive(settings: settings) { _ in }
        let room = ChatName("busy")!
        archive.keep(run(from: 1, [String(repeating: "x", count: 2000)]), in: room, epoch: RoomEpoch(value: 1))
        #expect(archive.isBacklogged)
        archive.close()
        #expect(!archive.isBacklogged)
        #expect(archive.writtenMessages == 1)
    }
}
