import Testing
@testable import ChatCore

/// The framing rules end to end: bytes through ``LineFramer`` into the dispatcher.
@Suite struct FramingTests {
    private let limit = 16
    private let harness: ChatHarness
    private let client: Client
    private let input: FramedInput

    init() {
        harness = ChatHarness(maxLine: limit)
        client = harness.connect()
        input = FramedInput(client: client, maxLine: limit)
    }

    @Test func lfAndCRLFBothEndLines() {
        input.feed("ping,a\nping,b\r\nPING\r\n")
        #expect(client.lines == ["pong,a", "pong,b", "pong"])
    }

    @Test func onlyOneCRBeforeTheLFIsDropped() {
        input.feed("ping,a\r\r\nping,b\rc\n")
        #expect(client.lines == ["pong,a\r", "pong,b\rc"])
    }

    @Test(arguments: [1, 3, 7, 1000])
    func linesSplitAcrossReadsAreReassembled(_ chunkSize: Int) {
        input.feed("register,Bob\r\nping,x\nlist\n", chunkSize: chunkSize)
        #expect(client.lines == ["ack,Bob", "pong,x", "list,Bob"])
    }

    @Test func aLineExactlyAtTheLimitIsAccepted() {
        let line = "ping,0123456789a"
        #expect(line.utf8.count == limit)
        input.feed(line + "\n" + line + "\r\n")
        #expect(client.lines == ["pong,0123456789a", "pong,0123456789a"])
    }

    @Test func aLineAtTheLimitMayWaitForItsCRLFByteByByte() {
        input.feed("ping,0123456789a\r\n", chunkSize: 1)
        #expect(client.lines == ["pong,0123456789a"])
    }

    @Test func aLineOneOverTheLimitIsTooLong() {
        input.feed("ping,0123456789ab\nping\n")
        #expect(client.lines == ["error,line-too-long,16", "pong"])
    }

    @Test func aLineOneOverTheLimitWithCRIsTooLong() {
        input.feed("ping,0123456789ab\r\nping\n", chunkSize: 1)
        #expect(client.lines == ["error,line-too-long,16", "pong"])
    }

    @Test func overflowIsAnsweredOnceAndDiscardedUpToTheNextLF() {
        input.feed(String(repeating: "x", count: limit + 2))
        #expect(client.lines == ["error,line-too-long,16"], "answered as soon as limit + 2 bytes wait")
        #expect(input.isDiscarding)
        input.feed(String(repeating: "y", count: 200))
        input.feed(String(repeating: "z", count: 5))
        #expect(client.lines == ["error,line-too-long,16"], "only once while discarding")
        input.feed("zz\nping,after\n")
        #expect(client.lines == ["error,line-too-long,16", "pong,after"])
    }

    @Test func theConnectionNeverBuffersMuchMoreThanTheLimit() {
        input.feed(String(repeating: "x", count: 10 * limit) + "\nping\n", chunkSize: 1)
        #expect(input.peakBuffered <= limit + 2)
        #expect(client.lines == ["error,line-too-long,16", "pong"])
    }

    @Test func aTooLongLineIsRejectedBeforeItsContentIsLookedAt() {
        input.feed(Array(repeating: 0xFF, count: limit + 1) + [0x0A])
        input.feed("quit" + String(repeating: ",", count: limit) + "\n")
        #expect(client.lines == ["error,line-too-long,16", "error,line-too-long,16"])
        #expect(!client.session.closedAfterFlush)
    }

    @Test func emptyAndBlankLinesAreIgnored() {
        input.feed("\n\r\n   \n\t\t\n \t \r\nping\n")
        #expect(client.lines == ["pong"])
    }

    @Test func invalidUTF8IsAnsweredAndDroppedAndTheConnectionStaysUsable() {
        input.feed([0x70, 0x69, 0x6E, 0x67, 0x2C, 0xC0, 0x80, 0x0A] + Array("ping\n".utf8))
        #expect(client.lines == ["error,bad-utf8", "pong"])
    }

    @Test func aLastLineWithoutLFCountsAtEOF() {
        input.feed("ping,1\nping,2")
        #expect(client.lines == ["pong,1"])
        input.finish()
        #expect(client.lines == ["pong,1", "pong,2"])
    }

    @Test func aCRAtTheEndOfTheLastLineIsDroppedAtEOF() {
        input.feed("ping,end\r")
        input.finish()
        #expect(client.lines == ["pong,end"])
    }

    @Test func theLimitInTheReplyIsTheConfiguredOne() {
        let other = ChatHarness(maxLine: 4096)
        let client = other.connect()
        FramedInput(client: client, maxLine: 4096).feed(String(repeating: "a", count: 4097) + "\n")
        #expect(client.lines == ["error,line-too-long,4096"])
    }
}
