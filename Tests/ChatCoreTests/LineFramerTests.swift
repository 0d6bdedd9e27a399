import Testing
@testable import ChatCore

@Suite struct LineFramerTests {
    private let cr = UInt8(ascii: "\r")
    private let x = UInt8(ascii: "x")

    @Test func aLineUpToTheLimitIsHandled() {
        var framer = LineFramer(maxLine: 4)
        #expect(framer.complete(length: 0, lastByte: nil) == .line(length: 0))
        #expect(framer.complete(length: 3, lastByte: x) == .line(length: 3))
        #expect(framer.complete(length: 4, lastByte: x) == .line(length: 4))
    }

    @Test func aCRBeforeTheLFIsDroppedAndNotCounted() {
        var framer = LineFramer(maxLine: 4)
        #expect(framer.complete(length: 1, lastByte: cr) == .line(length: 0))
        #expect(framer.complete(length: 5, lastByte: cr) == .line(length: 4))
        #expect(framer.complete(length: 6, lastByte: cr) == .tooLong)
    }

    @Test func aCompleteLineOverTheLimitIsTooLong() {
        var framer = LineFramer(maxLine: 4)
        #expect(framer.complete(length: 5, lastByte: x) == .tooLong)
        #expect(!framer.isDiscarding)
        #expect(framer.complete(length: 4, lastByte: x) == .line(length: 4), "the next line is fine")
    }

    @Test func upToLimitPlusOneBytesMayWaitForTheirLF() {
        var framer = LineFramer(maxLine: 4)
        for buffered in 0...5 {
            #expect(framer.overflow(buffered: buffered) == (false, false), "\(buffered) bytes")
        }
        #expect(!framer.isDiscarding)
    }

    @Test func moreThanLimitPlusOneRepliesOnceThenDiscardsUpToTheLF() {
        var framer = LineFramer(maxLine: 4)
        #expect(framer.overflow(buffered: 6) == (true, true))
        #expect(framer.isDiscarding)
        #expect(framer.overflow(buffered: 100) == (true, false), "no second reply")
        #expect(framer.overflow(buffered: 6) == (true, false))
        #expect(framer.overflow(buffered: 2) == (false, false), "a short tail just waits for its LF")
        #expect(framer.isDiscarding)
        #expect(framer.complete(length: 2, lastByte: x) == .skip, "the tail up to the LF is skipped")
        #expect(!framer.isDiscarding)
        #expect(framer.complete(length: 4, lastByte: x) == .line(length: 4), "the next line is handled")
        #expect(framer.overflow(buffered: 6) == (true, true), "a later long line is answered again")
    }

    @Test func theSmallestLimitWorks() {
        var framer = LineFramer(maxLine: 1)
        #expect(framer.complete(length: 1, lastByte: x) == .line(length: 1))
        #expect(framer.complete(length: 2, lastByte: cr) == .line(length: 1))
        #expect(framer.complete(length: 2, lastByte: x) == .tooLong)
        #expect(framer.overflow(buffered: 2) == (false, false))
        #expect(framer.overflow(buffered: 3) == (true, true))
    }
}
