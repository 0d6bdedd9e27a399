import ChatCore

/// Protocol v1 or v2 lines for WebSocket clients: each line, without its LF, as one unmasked
/// text frame.
///
/// Written once per fan-out like any format, so a room of browsers costs one framing
/// per message, not one per member; that is also why outgoing frames are not queued
/// through wslay, which frames and copies each message per connection.
final class WebSocketFormat: EventFormat {
    private var line = LineBuilder(capacity: 4096)
    let protocolVersion: Int

    init(protocolVersion: Int) {
        self.protocolVersion = protocolVersion
    }

    func write(_ event: ChatEvent, into frame: inout LineBuilder) {
        line.reset()
        if protocolVersion >= 2 { V2Format.write(event, into: &line) } else { V1Format.write(event, into: &line) }
        guard line.count > 0 else { return }  // no words for it in this version
        line.withBytes { bytes in
            Self.appendTextFrame(UnsafeRawBufferPointer(rebasing: bytes.dropLast()), to: &frame)  // the LF
        }
    }

    /// A final text frame holding `payload`, as a server sends it (unmasked).
    static func appendTextFrame(_ payload: UnsafeRawBufferPointer, to frame: inout LineBuilder) {
        appendHeader(opcode: 0x1, length: payload.count, to: &frame)
        frame.append(payload)
    }

    /// A close frame with `code` and no reason.
    static func appendCloseFrame(code: UInt16, to frame: inout LineBuilder) {
        appendHeader(opcode: 0x8, length: 2, to: &frame)
        frame.append(UInt8(code >> 8))
        frame.append(UInt8(code & 0xFF))
    }

    private static func appendHeader(opcode: UInt8, length: Int, to frame: inout LineBuilder) {
        frame.append(0x80 | opcode)  // FIN
        switch length {
        case ..<126:
            frame.append(UInt8(length))
        case ..<65536:
            frame.append(126)
            frame.append(UInt8(length >> 8))
            frame.append(UInt8(length & 0xFF))
        default:
            frame.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(length) >> UInt64(shift)) & 0xFF)) }
        }
    }
}
