/// A WebSocket frame's opcode (RFC 6455 section 5.2).
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Close, ping and pong: at most 125 bytes, never fragmented.
    public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// What is wrong with the frames a peer sent, and the close code that says so.
public struct WebSocketError: Error, Equatable, CustomStringConvertible, Sendable {
    /// 1002 (protocol error) or 1009 (message too big).
    public let closeCode: UInt16
    public let description: String

    static func protocolError(_ description: String) -> WebSocketError {
        WebSocketError(closeCode: 1002, description: description)
    }
}

/// The fixed part of one frame, read from its first 2 to 14 bytes.
public struct WebSocketFrameHeader: Equatable, Sendable {
    public var fin: Bool
    /// The raw opcode, reserved values included: ``WebSocketDecoder`` rejects those.
    public var opcode: UInt8
    /// The four mask bytes as a big-endian number (the first on the wire is the top byte); nil when unmasked.
    public var maskKey: UInt32?
    /// Bytes before the payload.
    public var headerLength: Int
    public var payloadLength: Int

    /// Header and payload.
    public var frameLength: Int { headerLength + payloadLength }
}

/// RFC 6455 framing, as a client speaks it: ``appendFrame(_:payload:fin:maskKey:to:)`` encodes one frame
/// (masked, as every client frame must be), ``header(of:)`` reads a frame's header, and
/// ``WebSocketDecoder`` turns the frames at the start of a byte buffer into messages.
/// Pure Swift without I/O, so that it is tested on bytes alone.
public enum WebSocketCodec {
    /// The longest header: 2 bytes, an 8-byte length, a 4-byte mask.
    public static let maxHeaderLength = 14

    /// Appends one frame holding `payload`, masked with `maskKey` when one is given.
    public static func appendFrame(_ opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true,
                                   maskKey: UInt32?, to frame: inout [UInt8]) {
        frame.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        let count = payload.count
        switch count {
        case ..<126:
            frame.append(maskBit | UInt8(count))
        case ..<65536:
            frame.append(maskBit | 126)
            frame.append(UInt8(count >> 8))
            frame.append(UInt8(count & 0xFF))
        default:
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift))) }
        }
        guard let maskKey else {
            frame.append(contentsOf: payload)
            return
        }
        let key = maskKey.bigEndian
        withUnsafeBytes(of: key) { frame.append(contentsOf: $0) }
        let start = frame.count
        frame.append(contentsOf: payload)
        frame.withUnsafeMutableBytes { bytes in
            mask(UnsafeMutableRawBufferPointer(rebasing: bytes[start...]), key: maskKey)
        }
    }

    /// XORs `bytes` with the mask, byte `i` with mask byte `i % 4` (applying it twice undoes it).
    public static func mask(_ bytes: UnsafeMutableRawBufferPointer, key: UInt32) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        // Eight bytes at a time: the key repeated twice, in memory order.
        let word = UInt64(key.bigEndian) | UInt64(key.bigEndian) << 32
        var offset = 0
        while offset + 8 <= count {
            let value = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            base.storeBytes(of: value ^ word, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < count {
            bytes[offset] ^= UInt8(truncatingIfNeeded: key >> UInt32(24 - 8 * (offset & 3)))
            offset += 1
        }
    }

    /// The header at the start of `bytes`; nil when not all of it is there yet.
    /// Throws when the header itself breaks the rules (reserved bits, a length of 2^63 or more).
    public static func header(of bytes: UnsafeRawBufferPointer) throws(WebSocketError) -> WebSocketFrameHeader? {
        guard bytes.count >= 2 else { return nil }
        let first = bytes[0], second = bytes[1]
        guard first & 0x70 == 0 else { throw .protocolError("reserved bits set without an extension") }
        let masked = second & 0x80 != 0
        var length = Int(second & 0x7F)
        var offset = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            offset = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            guard bytes[2] & 0x80 == 0 else { throw .protocolError("payload length of 2^63 or more") }
            length = (2..<10).reduce(0) { $0 << 8 | Int(bytes[$1]) }
            offset = 10
        }
        var maskKey: UInt32?
        if masked {
            guard bytes.count >= offset + 4 else { return nil }
            maskKey = (offset..<offset + 4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[$1]) }
            offset += 4
        }
        return WebSocketFrameHeader(fin: first & 0x80 != 0, opcode: first & 0x0F, maskKey: maskKey,
                                    headerLength: offset, payloadLength: length)
    }
}

/// Turns a peer's frames into messages: joins fragments (a text or binary frame with FIN
/// clear, then continuations until one with FIN set), lets control frames through between
/// them, and checks the rules a receiver must (RFC 6455 section 5).
///
/// Unfragmented, unmasked payloads are handed over where they lie in the input, without
/// a copy; fragments are gathered in a buffer of the decoder's own.
public struct WebSocketDecoder {
    /// One complete message or control frame. Its bytes are valid only during the handler's call.
    public enum Message {
        case text(UnsafeRawBufferPointer)
        case binary(UnsafeRawBufferPointer)
        case ping(UnsafeRawBufferPointer)
        case pong(UnsafeRawBufferPointer)
        /// The status code is nil when the close frame has no payload.
        case close(code: UInt16?, reason: UnsafeRawBufferPointer)
    }

    /// The longest message accepted, fragments together; longer is an error (1009).
    public let maxMessage: Int
    /// Whether masked frames are accepted (and unmasked). A client must refuse them from a
    /// server (RFC 6455 section 5.1); tests decode a client's own frames with it.
    public let acceptsMasked: Bool
    /// The message being gathered from fragments, and its opcode (text or binary).
    private var fragments: [UInt8] = []
    private var fragmentOpcode: WebSocketOpcode?
    /// A masked frame's payload, unmasked.
    private var unmasked: [UInt8] = []

    public init(maxMessage: Int = 1 << 26, acceptsMasked: Bool = false) {
        self.maxMessage = maxMessage
        self.acceptsMasked = acceptsMasked
    }

    /// True while a fragmented message has begun and not ended.
    public var isInsideMessage: Bool { fragmentOpcode != nil }

    /// Decodes the complete frames at the start of `bytes` and hands each complete message
    /// and control frame to `handle`, which returns false to stop after it. Returns the
    /// bytes consumed: whole frames only, so the caller drains them and keeps the rest
    /// (the start of a frame still arriving). `handle` must not touch this decoder.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer,
                                _ handle: (Message) -> Bool) throws(WebSocketError) -> Int {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            guard let header = try WebSocketCodec.header(of: rest) else { break }
            guard let opcode = WebSocketOpcode(rawValue: header.opcode) else {
                throw .protocolError("reserved opcode \(header.opcode)")
            }
            if opcode.isControl {
                guard header.fin else { throw .protocolError("fragmented control frame") }
                guard header.payloadLength <= 125 else { throw .protocolError("control frame of \(header.payloadLength) bytes") }
            } else if opcode == .continuation {
                guard fragmentOpcode != nil else { throw .protocolError("continuation frame outside a message") }
            } else if fragmentOpcode != nil {
                throw .protocolError("new message inside a fragmented one")
            }
            if header.maskKey != nil && !acceptsMasked { throw .protocolError("masked frame from the server") }
            if opcode == .close && header.payloadLength == 1 { throw .protocolError("close frame with a 1-byte payload") }
            let gathered = opcode == .continuation ? fragments.count : 0
            guard header.payloadLength <= maxMessage - gathered else {
                throw WebSocketError(closeCode: 1009, description: "message over \(maxMessage) bytes")
            }
            guard header.frameLength <= rest.count else { break }
            let payload = UnsafeRawBufferPointer(rebasing: rest[header.headerLength..<header.frameLength])
            offset += header.frameLength
            let proceed: Bool
            if let key = header.maskKey {
                var scratch: [UInt8] = []
                swap(&scratch, &unmasked)
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: payload)
                scratch.withUnsafeMutableBytes { WebSocketCodec.mask($0, key: key) }
                proceed = scratch.withUnsafeBytes { take(opcode, fin: header.fin, payload: $0, handle) }
                swap(&scratch, &unmasked)
            } else {
                proceed = take(opcode, fin: header.fin, payload: payload, handle)
            }
            if !proceed { break }
        }
        return offset
    }

    /// One frame's payload, unmasked.
    private mutating func take(_ opcode: WebSocketOpcode, fin: Bool, payload: UnsafeRawBufferPointer,
                               _ handle: (Message) -> Bool) -> Bool {
        switch opcode {
        case .text:
            guard fin else { return startFragments(opcode, payload) }
            return handle(.text(payload))
        case .binary:
            guard fin else { return startFragments(opcode, payload) }
            return handle(.binary(payload))
        case .continuation:
            fragments.append(contentsOf: payload)
            guard fin, let started = fragmentOpcode else { return true }
            fragmentOpcode = nil
            let proceed = fragments.withUnsafeBytes { handle(started == .text ? .text($0) : .binary($0)) }
            fragments.removeAll(keepingCapacity: fragments.capacity <= 65536)
            return proceed
        case .ping:
            return handle(.ping(payload))
        case .pong:
            return handle(.pong(payload))
        case .close:
            let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
            return handle(.close(code: code, reason: UnsafeRawBufferPointer(rebasing: payload.dropFirst(min(2, payload.count)))))
        }
    }

    private mutating func startFragments(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) -> Bool {
        fragmentOpcode = opcode
        fragments.removeAll(keepingCapacity: true)
        fragments.append(contentsOf: payload)
        return true
    }
}
