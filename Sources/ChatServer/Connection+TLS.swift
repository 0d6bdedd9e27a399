import CLibevent
import CLibeventOpenSSL
import ChatCore

/// TLS: OpenSSL's bufferevent reads, decrypts, encrypts and writes; its callbacks call the
/// same handlers as plain TCP's events.
extension Connection {
    func startTLS(_ bufferevent: OpaquePointer) {
        bufferevent_set_max_single_read(bufferevent, Self.maxSingleRead)
        bufferevent_set_max_single_write(bufferevent, 65536)
        bufferevent_setwatermark(bufferevent, Int16(EV_READ), 0, inputLimit)
        bufferevent_setcb(bufferevent, Self.tlsReadCallback, Self.tlsWriteCallback, Self.tlsEventCallback,
                          Unmanaged.passUnretained(self).toOpaque())
        // A new bufferevent writes already: it encrypts as it writes, so it writes all of its output.
        startReading()
    }

    private static let tlsReadCallback: bufferevent_data_cb = { _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().inputArrived()
    }

    private static let tlsWriteCallback: bufferevent_data_cb = { _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().outputWritten()
    }

    private static let tlsEventCallback: bufferevent_event_cb = { _, events, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        if events & Int16(BEV_EVENT_CONNECTED) != 0 { return connection.handshakeDone() }
        if connection.handshaking {
            return connection.handshakeFailed(events & Int16(BEV_EVENT_EOF) != 0 ? "end of stream" : "error")
        }
        if events & Int16(BEV_EVENT_ERROR) != 0 {
            connection.finish()
        } else if events & Int16(BEV_EVENT_TIMEOUT) != 0 {
            // Writing: a closing peer did not take its last bytes.
            if events & Int16(BEV_EVENT_READING) != 0 { connection.readTimedOut() } else { connection.finish() }
        } else if events & Int16(BEV_EVENT_EOF) != 0 {
            connection.peerEndedStream()
        }
    }
}
