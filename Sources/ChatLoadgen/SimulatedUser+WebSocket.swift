import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

/// Reading over WebSocket (`--transport ws` and `wss`): the upgrade's answer, then frames,
/// decoded where they lie in the input buffer; each text message goes to the line handler.
extension SimulatedUser {

    func readFrames() {
        guard let bufferevent, let input = bufferevent_get_input(bufferevent) else { return }
        if state == .upgrading && !readUpgradeResponse(input) { return }
        let now = MonotonicClock.micros()
        defer { generator.publishDeliveries() }
        while state != .closed && !closeAnswered {
            var chunk = iovec()
            guard evbuffer_peek(input, -1, nil, &chunk, 1) >= 1, chunk.iov_len > 0 else { return }
            guard let consumed = decodeFrames(UnsafeRawBufferPointer(start: chunk.iov_base, count: chunk.iov_len), now: now),
                  state != .closed else { return }
            if consumed > 0 {
                evbuffer_drain(input, consumed)
                continue
            }
            // The first frame runs past this chunk: make it contiguous once all of it is here.
            let available = evbuffer_get_length(input)
            guard available > chunk.iov_len else { return }
            let headLength = min(available, WebSocketCodec.maxHeaderLength)
            let head = UnsafeRawBufferPointer(start: evbuffer_pullup(input, headLength), count: headLength)
            let header: WebSocketFrameHeader?
            do {
                header = try WebSocketCodec.header(of: head)
            } catch {
                return webSocketFailed(error)
            }
            guard let frameLength = header?.frameLength, frameLength <= available else {
                // Not all here yet: decoding the head checks the frame's size against the limit meanwhile.
                _ = decodeFrames(head, now: now)
                return
            }
            guard let whole = decodeFrames(UnsafeRawBufferPointer(start: evbuffer_pullup(input, frameLength), count: frameLength), now: now),
                  state != .closed else { return }
            evbuffer_drain(input, whole)
        }
        if closeAnswered { evbuffer_drain(input, evbuffer_get_length(input)) }  // nothing may follow a close
    }

    /// Decodes the frames at the start of `bytes`; the bytes consumed, or nil once the user has failed.
    private func decodeFrames(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> Int? {
        do {
            return try frameDecoder.decode(bytes) { message in
                switch message {
                case .text(let line):
                    handle(line, now: now)
                    return state != .closed
                case .binary(let data):
                    generator.unexpectedLine(data)
                case .ping(let payload):
                    writeControlFrame(.pong, payload: payload)
                case .pong:
                    break
                case .close(let code, _):
                    answerClose(code: code)
                    return false
                }
                return true
            }
        } catch {
            webSocketFailed(error)
            return nil
        }
    }

    /// Echoes the server's close code (RFC 6455 section 5.5.1) and ends once that is written.
    private func answerClose(code: UInt16?) {
        guard let bufferevent else { return }
        closeAnswered = true
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] }
        payload.withUnsafeBytes { writeControlFrame(.close, payload: $0) }
        bufferevent_setcb(bufferevent, Self.frameReadCallback, Self.closeAnsweredCallback, Self.eventCallback,
                          Unmanaged.passUnretained(self).toOpaque())
    }

    private func webSocketFailed(_ error: WebSocketError) {
        failed(description: "WebSocket: \(error.description)")
    }

    /// Takes the answer to the upgrade request once its head has arrived; true when the
    /// WebSocket is open (the user then registers), false while waiting or once failed.
    private func readUpgradeResponse(_ input: OpaquePointer) -> Bool {
        let end = evbuffer_search(input, "\r\n\r\n", 4, nil)
        guard end.pos >= 0 else {
            if evbuffer_get_length(input) > WebSocketUpgrade.maxResponseHead {
                failed(description: "WebSocket upgrade: response head over \(WebSocketUpgrade.maxResponseHead) bytes")
            }
            return false
        }
        let length = end.pos + 4
        let head = String(decoding: UnsafeRawBufferPointer(start: evbuffer_pullup(input, length), count: length), as: UTF8.self)
        evbuffer_drain(input, length)
        if let problem = WebSocketUpgrade.problem(withResponse: head, key: webSocketKey) {
            failed(description: problem)
            return false
        }
        opened()
        return state != .closed
    }
}
