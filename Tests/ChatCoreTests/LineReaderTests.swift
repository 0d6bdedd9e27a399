import Testing
@testable import ChatCore

/// A source that shows its bytes `chunk` at a time, as an evbuffer of several chunks does,
/// so that lines spanning chunks take the reader's other path.
private final class ChunkedSource: LineSource {
    var bytes: [UInt8] = []
    let chunk: Int
    private(set) var pullups = 0

    init(chunk: Int) { self.chunk = chunk }

    var count: Int { bytes.count }
    func firstChunk() -> UnsafeRawBufferPointer {
        bytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0.prefix(chunk)) }
    }
    func firstNewline() -> Int? { bytes.firstIndex(of: 0x0A) }
    func contiguous(_ count: Int) -> UnsafeRawBufferPointer {
        pullups += 1
        return bytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0.prefix(count)) }
    }
    func drain(_ count: Int) { bytes.removeFirst(count) }
}

@Suite struct LineReaderTests {
    /// Every event as text: lines as themselves, `<too long>`, `<end of long line>`.
    private func events(_ input: String, maxLine: Int, chunk: Int, finish: Bool = false) -> (events: [String], left: Int) {
        var reader = LineReader(maxLine: maxLine)
        var source = ChunkedSource(chunk: chunk)
        source.bytes = Array(input.utf8)
        var seen: [String] = []
        let record: LineReader.Handler = { event, _ in
            switch event {
            case .line(let line): seen.append(String(decoding: line, as: UTF8.self))
            case .tooLong: seen.append("<too long>")
            case .endOfLongLine: seen.append("<end of long line>")
            }
            return .more
        }
        reader.read(from: &source, record)
        if finish { reader.finishLine(from: &source, record) }
        return (seen, source.count)
    }

    @Test(arguments: [1, 3, 7, 64])
    func linesAreTheSameWhateverTheChunks(chunk: Int) {
        let (seen, left) = events("register,Jane\r\nlist\n\nsay,lobby,a, b\npartial", maxLine: 32, chunk: chunk)
        #expect(seen == ["register,Jane", "list", "", "say,lobby,a, b"])
        #expect(left == "partial".utf8.count, "a partial line waits")
    }

    @Test(arguments: [2, 5, 100])
    func aLongLineIsAnsweredOnceAndSkippedToItsEnd(chunk: Int) {
        let long = String(repeating: "x", count: 40)
        let (seen, left) = events("ok\n\(long)\nafter\n", maxLine: 16, chunk: chunk)
        #expect(seen.filter { $0 == "<too long>" }.count == 1)
        #expect(seen.first == "ok" && seen.last == "after")
        #expect(left == 0)
    }

    @Test func aLongPartialLineIsDiscardedAtOnceAndNeverHeld() {
        var reader = LineReader(maxLine: 8)
        let source = ByteQueue()
        var seen: [String] = []
        for piece in ["0123456789", "abcdef", "ghij\nping\n"] {
            source.append(Array(piece.utf8))
            var input = source
            reader.read(from: &input) { event, _ in
                if case .line(let line) = event { seen.append(String(decoding: line, as: UTF8.self)) }
                if case .tooLong = event { seen.append("<too long>") }
                return .more
            }
            #expect(source.count <= 9, "never more than the limit and a CR")
        }
        #expect(seen == ["<too long>", "ping"])
    }

    @Test func stopLeavesTheRestAndGoneTouchesNothing() {
        var reader = LineReader(maxLine: 32)
        var source = ChunkedSource(chunk: 64)
        source.bytes = Array("one\ntwo\nthree\n".utf8)
        reader.read(from: &source) { _, _ in .stop }
        #expect(String(decoding: source.bytes, as: UTF8.self) == "two\nthree\n", "the line read is drained, the rest kept")
        reader.read(from: &source) { _, _ in .gone }
        #expect(String(decoding: source.bytes, as: UTF8.self) == "two\nthree\n", "a gone source is not drained")
    }

    @Test func theLastLineWithoutLFCountsAtTheEnd() {
        let (seen, left) = events("ping,a\nping,b\r", maxLine: 32, chunk: 4, finish: true)
        #expect(seen == ["ping,a", "ping,b"])
        #expect(left == 0)
    }

    @Test func aSpanningLineIsMadeContiguousOnlyWhenItCanBeValid() {
        var reader = LineReader(maxLine: 8)
        var source = ChunkedSource(chunk: 4)
        source.bytes = Array((String(repeating: "y", count: 30) + "\nshort\n").utf8)
        var lines: [String] = []
        reader.read(from: &source) { event, _ in
            if case .line(let line) = event { lines.append(String(decoding: line, as: UTF8.self)) }
            return .more
        }
        #expect(lines == ["short"])
        #expect(source.pullups == 1, "only the short line was pulled up")
    }
}
