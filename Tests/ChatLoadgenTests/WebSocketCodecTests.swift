import Testing
@testable import ChatLoadgen

/// The client's WebSocket framing, byte for byte; the examples are RFC 6455 section 5.7's.
@Suite struct WebSocketCodecTests {
    /// The RFC's mask key, 0x37 0xfa 0x21 0x3d.
    static let rfcKey: UInt32 = 0x37FA_213D
    static let hello = Array("Hello".utf8)

    private func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        payload.withUnsafeBytes { WebSocketCodec.appendFrame(opcode, payload: $0, fin: fin, maskKey: maskKey, to: &bytes) }
        return bytes
    }

    /// A message as the test compares it: its kind and its bytes copied out.
    enum Decoded: Equatable {
        case text([UInt8]), binary([UInt8]), ping([UInt8]), pong([UInt8]), close(UInt16?, [UInt8])
        var text: String? {
            guard case .text(let bytes) = self else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Decodes `bytes` with `decoder`: the messages and the bytes consumed.
    private func decode(_ bytes: [UInt8], with decoder: inout WebSocketDecoder, stopAfter limit: Int = .max) throws
        -> (messages: [Decoded], consumed: Int) {
        var messages: [Decoded] = []
        let consumed = try bytes.withUnsafeBytes { raw in
            try decoder.decode(raw) { message in
                switch message {
                case .text(let payload): messages.append(.text(Array(payload)))
                case .binary(let payload): messages.append(.binary(Array(payload)))
                case .ping(let payload): messages.append(.ping(Array(payload)))
                case .pong(let payload): messages.append(.pong(Array(payload)))
                case .close(let code, let reason): messages.append(.close(code, Array(reason)))
                }
                return messages.count < limit
            }
        }
        return (messages, consumed)
    }

    private func decode(_ bytes: [UInt8], acceptsMasked: Bool = false, maxMessage: Int = 1 << 20) throws
        -> (messages: [Decoded], consumed: Int) {
        var decoder = WebSocketDecoder(maxMessage: maxMessage, acceptsMasked: acceptsMasked)
        return try decode(bytes, with: &decoder)
    }

    /// The error decoding `bytes` throws; nil when it throws none.
    private func error(decoding bytes: [UInt8], maxMessage: Int = 1 << 20) -> WebSocketError? {
        do {
            _ = try decode(bytes, maxMessage: maxMessage)
            return nil
        } catch {
            return error as? WebSocketError ?? WebSocketError(closeCode: 0, description: "\(error)")
        }
    }

    // MARK: Encoding

    @Test func encodesTheRFCsMaskedHello() {
        #expect(frame(.text, Self.hello, maskKey: Self.rfcKey)
                == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func encodesTheRFCsUnmaskedHello() {
        #expect(frame(.text, Self.hello) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test func encodesTheRFCsFragmentedHello() {
        #expect(frame(.text, Array("Hel".utf8), fin: false) == [0x01, 0x03, 0x48, 0x65, 0x6C])
        #expect(frame(.continuation, Array("lo".utf8)) == [0x80, 0x02, 0x6C, 0x6F])
    }

    @Test func encodesTheRFCsPingAndMaskedPong() {
        #expect(frame(.ping, Self.hello) == [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        #expect(frame(.pong, Self.hello, maskKey: Self.rfcKey)
                == [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func encodes256BytesWithA16BitLength() {
        let payload = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = frame(.binary, payload)
        #expect(Array(bytes.prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(Array(bytes.dropFirst(4)) == payload)
        let masked = frame(.binary, payload, maskKey: Self.rfcKey)
        #expect(Array(masked.prefix(8)) == [0x82, 0xFE, 0x01, 0x00, 0x37, 0xFA, 0x21, 0x3D])
        #expect(masked.count == 8 + 256)
    }

    @Test func encodes64KiBWithA64BitLength() {
        let payload = [UInt8](repeating: 0x61, count: 65536)
        let bytes = frame(.binary, payload)
        #expect(Array(bytes.prefix(10)) == [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        #expect(bytes.count == 10 + 65536)
    }

    @Test func lengthsAtTheBoundariesOfEachForm() {
        #expect(Array(frame(.text, [UInt8](repeating: 0x61, count: 125)).prefix(2)) == [0x81, 0x7D])
        #expect(Array(frame(.text, [UInt8](repeating: 0x61, count: 126)).prefix(4)) == [0x81, 0x7E, 0x00, 0x7E])
        #expect(Array(frame(.text, [UInt8](repeating: 0x61, count: 65535)).prefix(4)) == [0x81, 0x7E, 0xFF, 0xFF])
        #expect(frame(.text, []) == [0x81, 0x00])
        #expect(frame(.close, [], maskKey: Self.rfcKey) == [0x88, 0x80, 0x37, 0xFA, 0x21, 0x3D])
    }

    /// The eight-bytes-at-a-time masking agrees with the byte-by-byte definition at every length and offset.
    @Test func maskingMatchesTheDefinitionAtEveryLength() {
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        for count in 0...40 {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let expected = payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
            let bytes = frame(.text, payload, maskKey: Self.rfcKey)
            #expect(Array(bytes.suffix(count)) == expected, "length \(count)")
            var twice = expected
            twice.withUnsafeMutableBytes { WebSocketCodec.mask($0, key: Self.rfcKey) }
            #expect(twice == payload)
        }
    }

    // MARK: Headers

    @Test func readsHeaders() throws {
        let masked = try ([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D] as [UInt8]).withUnsafeBytes { try WebSocketCodec.header(of: $0) }
        #expect(masked == WebSocketFrameHeader(fin: true, opcode: 1, maskKey: Self.rfcKey, headerLength: 6, payloadLength: 5))
        let fragment = try ([0x01, 0x03] as [UInt8]).withUnsafeBytes { try WebSocketCodec.header(of: $0) }
        #expect(fragment == WebSocketFrameHeader(fin: false, opcode: 1, maskKey: nil, headerLength: 2, payloadLength: 3))
        let long = try ([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] as [UInt8]).withUnsafeBytes { try WebSocketCodec.header(of: $0) }
        #expect(long?.payloadLength == 65536)
        #expect(long?.frameLength == 65546)
    }

    @Test func anIncompleteHeaderIsNil() throws {
        for bytes: [UInt8] in [[], [0x81], [0x81, 0x7E, 0x01], [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0], [0x81, 0x85, 0x37, 0xFA, 0x21]] {
            #expect(try bytes.withUnsafeBytes { try WebSocketCodec.header(of: $0) } == nil, "\(bytes)")
        }
    }

    // MARK: Decoding

    @Test func decodesTheRFCsUnmaskedHelloInPlace() throws {
        let bytes: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]
        var decoder = WebSocketDecoder()
        var inPlace = false
        let consumed = try bytes.withUnsafeBytes { raw in
            try decoder.decode(raw) { message in
                if case .text(let payload) = message { inPlace = payload.baseAddress == raw.baseAddress! + 2 }
                return true
            }
        }
        #expect(consumed == 7)
        #expect(inPlace, "an unfragmented unmasked payload is handed over where it lies")
    }

    @Test func decodesTheRFCsFragmentedHello() throws {
        let result = try decode([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F])
        #expect(result.messages == [.text(Self.hello)])
        #expect(result.consumed == 9)
    }

    @Test func fragmentsMayArriveInSeparateReads() throws {
        var decoder = WebSocketDecoder()
        let first = try decode([0x01, 0x03, 0x48, 0x65, 0x6C], with: &decoder)
        #expect(first.messages.isEmpty)
        #expect(first.consumed == 5)
        #expect(decoder.isInsideMessage)
        let middle = try decode([0x00, 0x01, 0x6C], with: &decoder)
        #expect(middle.messages.isEmpty)
        let last = try decode([0x80, 0x01, 0x6F], with: &decoder)
        #expect(last.messages == [.text(Self.hello)])
        #expect(!decoder.isInsideMessage)
        // The decoder is ready for the next message.
        #expect(try decode([0x81, 0x02, 0x68, 0x69], with: &decoder).messages.first?.text == "hi")
    }

    @Test func controlFramesMayComeBetweenFragments() throws {
        let bytes: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6C] + [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F] + [0x80, 0x02, 0x6C, 0x6F]
        #expect(try decode(bytes).messages == [.ping(Self.hello), .text(Self.hello)])
    }

    @Test func decodesPingPongAndClose() throws {
        let bytes: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x8A, 0x00, 0x88, 0x04, 0x03, 0xE8, 0x6F, 0x6B, 0x88, 0x00]
        #expect(try decode(bytes).messages == [.ping(Self.hello), .pong([]), .close(1000, Array("ok".utf8)), .close(nil, [])])
    }

    @Test func decodesLongFrames() throws {
        let short = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        let long = [UInt8](repeating: 0x62, count: 70000)
        let bytes = [0x82, 0x7E, 0x01, 0x00] + short + [0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70] + long
        let result = try decode(bytes)
        #expect(result.messages == [.binary(short), .text(long)])
        #expect(result.consumed == bytes.count)
    }

    /// Whole frames only: what follows the last whole frame stays for the next read, at every cut.
    @Test func consumesWholeFramesOnly() throws {
        let bytes: [UInt8] = [0x81, 0x02, 0x68, 0x69] + [0x81, 0x7E, 0x00, 0x80] + [UInt8](repeating: 0x61, count: 128)
        for cut in 0..<bytes.count {
            let result = try decode(Array(bytes.prefix(cut)))
            #expect(result.consumed == (cut < 4 ? 0 : 4), "cut at \(cut)")
            #expect(result.messages.count == (cut < 4 ? 0 : 1), "cut at \(cut)")
        }
        #expect(try decode(bytes).consumed == bytes.count)
    }

    @Test func stopsAfterTheMessageTheHandlerRefuses() throws {
        var decoder = WebSocketDecoder()
        let bytes: [UInt8] = [0x81, 0x01, 0x61, 0x81, 0x01, 0x62, 0x81, 0x01, 0x63]
        let result = try decode(bytes, with: &decoder, stopAfter: 2)
        #expect(result.messages == [.text([0x61]), .text([0x62])])
        #expect(result.consumed == 6)
    }

    @Test func decodesItsOwnMaskedFramesWhenAllowed() throws {
        var bytes: [UInt8] = []
        var keys = SplitMix64(seed: 7)
        let payloads = (0..<50).map { count in (0..<(count * 7)).map { UInt8(truncatingIfNeeded: $0 &+ count) } }
        for payload in payloads {
            payload.withUnsafeBytes {
                WebSocketCodec.appendFrame(.text, payload: $0, maskKey: UInt32(truncatingIfNeeded: keys.next()), to: &bytes)
            }
        }
        let result = try decode(bytes, acceptsMasked: true)
        #expect(result.messages == payloads.map { .text($0) })
        #expect(try decode(frame(.text, Self.hello, maskKey: Self.rfcKey), acceptsMasked: true).messages == [.text(Self.hello)])
    }

    // MARK: Errors

    @Test func refusesMaskedFramesFromTheServer() {
        #expect(error(decoding: [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])?.closeCode == 1002)
    }

    @Test(arguments: [
        [0x80, 0x01, 0x61],  // a continuation with nothing to continue
        [0x01, 0x01, 0x61, 0x81, 0x01, 0x62],  // a new message inside a fragmented one
        [0x09, 0x00],  // a fragmented ping
        [0x89, 0x7E, 0x00, 0x7E] + [UInt8](repeating: 0, count: 126),  // a control frame over 125 bytes
        [0xC1, 0x01, 0x61],  // RSV1 without an extension
        [0x83, 0x00],  // a reserved data opcode
        [0x8B, 0x00],  // a reserved control opcode
        [0x88, 0x01, 0x03],  // a close frame with half a status code
        [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0],  // a length of 2^63
    ] as [[UInt8]])
    func protocolErrors(bytes: [UInt8]) {
        #expect(error(decoding: bytes)?.closeCode == 1002)
    }

    @Test func messagesOverTheLimitAreTooBig() {
        #expect(error(decoding: [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], maxMessage: 4)?.closeCode == 1009)
        #expect(error(decoding: [0x81, 0x04, 0x48, 0x65, 0x6C, 0x6C], maxMessage: 4) == nil)
        // Fragments count together; the header alone is enough to tell.
        #expect(error(decoding: [0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02], maxMessage: 4)?.closeCode == 1009)
        #expect(error(decoding: [0x81, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0], maxMessage: 1 << 20)?.closeCode == 1009)
    }
}
