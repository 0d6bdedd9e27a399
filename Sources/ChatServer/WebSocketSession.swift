import CLibevent
import CWslay
import ChatCore

/// One WebSocket connection's receiving side and its control frames, on wslay's event
/// API: wslay reads frames from the connection's input buffer, checks masking (1002),
/// joins fragments, checks that text is UTF-8 (1007) and messages are within a size
/// (1009), answers pings and carries out the closing handshake, and hands over each
/// complete message. Data frames out are written by ``WebSocketFormat``, once per fan-out.
///
/// wslay's callbacks carry the connection as an unretained pointer: the connection owns
/// this object and frees it (and with it the wslay context) before it is freed itself.
final class WebSocketSession {
    private var context: wslay_event_context_ptr?
    /// True once a close frame has been sent or received, by us or by wslay on a protocol
    /// error: no more data frames go out, and the connection closes once flushed.
    var closing: Bool { wslay_event_get_close_sent(context) != 0 || wslay_event_get_close_received(context) != 0 }

    /// nil when wslay has no memory for a context.
    init?(connection: Connection, maxMessage: Int) {
        var callbacks = wslay_event_callbacks(
            recv_callback: Self.receive, send_callback: Self.send, genmask_callback: nil,
            on_frame_recv_start_callback: nil, on_frame_recv_chunk_callback: nil, on_frame_recv_end_callback: nil,
            on_msg_recv_callback: Self.message)
        guard wslay_event_context_server_init(&context, &callbacks, Unmanaged.passUnretained(connection).toOpaque()) == 0 else {
            return nil
        }
        wslay_event_config_set_max_recv_msg_length(context, UInt64(maxMessage))
    }

    deinit { wslay_event_context_free(context) }

    /// Takes every complete frame in the input buffer, then writes any control frame it owes.
    func read() {
        _ = wslay_event_recv(context)
        flush()
    }

    /// Writes queued control frames (pong, close) to the output buffer.
    func flush() { _ = wslay_event_send(context) }

    /// Queues and writes a close frame with `code`, unless one has been queued already.
    func close(code: UInt16) {
        guard !closing else { return }
        _ = wslay_event_queue_close(context, code, nil, 0)
        flush()
    }

    /// Both close frames have passed: the TCP connection can go.
    var isFinished: Bool { wslay_event_want_read(context) == 0 && wslay_event_want_write(context) == 0 }

    // MARK: wslay's callbacks

    private static let receive: wslay_event_recv_callback = { context, buffer, length, _, user in
        let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
        // A handler that finished the connection freed its buffers: nothing more to read.
        let count = connection.state == .closed ? 0 : Int(evbuffer_remove(connection.input, buffer, length))
        guard count > 0 else {
            wslay_event_set_error(context, Int32(WSLAY_ERR_WOULDBLOCK.rawValue))
            return -1
        }
        return count
    }

    private static let send: wslay_event_send_callback = { context, data, length, _, user in
        let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
        guard connection.state != .closed else {  // its buffers are freed
            wslay_event_set_error(context, Int32(WSLAY_ERR_WOULDBLOCK.rawValue))
            return -1
        }
        connection.append(data, length)
        return length
    }

    private static let message: wslay_event_on_msg_recv_callback = { _, argument, user in
        guard let argument else { return }
        let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
        let message = argument.pointee
        let bytes = UnsafeRawBufferPointer(start: message.msg, count: message.msg_length)
        switch message.opcode {
        case UInt8(WSLAY_TEXT_FRAME.rawValue):
            connection.webSocketText(bytes)
        case UInt8(WSLAY_BINARY_FRAME.rawValue):
            connection.webSocket?.close(code: 1003)  // unsupported data: the protocol is text
        default:
            break  // close and ping: wslay answers them; pong
        }
    }
}
