import CLibevent
import ChatCore

extension Connection {
    static let readCallback: bufferevent_data_cb = { _, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        connection.countInput()
        if connection.state == .lingering {
            let input = bufferevent_get_input(connection.bufferevent)
            evbuffer_drain(input, evbuffer_get_length(input))
            connection.countedInput = 0
            return
        }
        connection.readLines()
        if let webSocket = connection.webSocket, connection.state == .open || connection.state == .condemned {
            // Frames wait in the input buffer while the session awaits the cluster.
            guard !connection.isAwaiting else { return }
            webSocket.read()
            connection.afterWebSocketRead()
        } else if !connection.readsLines, connection.state == .open {
            let input = bufferevent_get_input(connection.bufferevent)
            evbuffer_drain(input, evbuffer_get_length(input))  // an event stream's listener has nothing to say
        }
        if connection.state != .closed {
            connection.countedInput = evbuffer_get_length(bufferevent_get_input(connection.bufferevent))
            connection.armQuietGap()
        }
        connection.finishIfFlushed()
    }

    static let handshakeCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().handshakeFailed("timeout")
    }

    static let registrationCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().registrationTimePassed()
    }

    static let quietGapCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().quietGapPassed()
    }

    static let writeCallback: bufferevent_data_cb = { _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().bufferedOutputWritten()
    }

    static let eventCallback: bufferevent_event_cb = { _, events, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        if events & Int16(BEV_EVENT_CONNECTED) != 0 { return connection.handshakeDone() }
        if connection.handshaking {
            return connection.handshakeFailed(events & Int16(BEV_EVENT_EOF) != 0 ? "end of stream" : "error")
        }
        if events & Int16(BEV_EVENT_ERROR) != 0 {
            connection.finish()
        } else if events & Int16(BEV_EVENT_TIMEOUT) != 0 {
            // Reading: nothing came for --idle-timeout. Writing: a closing peer did not take its last bytes.
            if events & Int16(BEV_EVENT_READING) != 0 && connection.state == .open {
                connection.close(saying: .idleTimeout, notifyRooms: true)
            } else {
                connection.finish()
            }
        } else if events & Int16(BEV_EVENT_EOF) != 0 {
            if connection.state == .open { connection.peerClosed() } else { connection.finish() }
        }
    }
}
