import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

/// Plain TCP: the connection reads and writes its socket on two events of its own, and the
/// transport-neutral steps below (reading on and off, writing as the socket drains) pick
/// the events or TLS's bufferevent.
///
/// A bufferevent would cost 640 bytes a connection beside a 128-byte event, plus a third
/// evbuffer for the end-of-pass writes (its own output runs a callback on every add); at
/// 10,000 users those were 7 MiB. The write event is made only when a full socket first
/// leaves output.
extension Connection {
    /// Makes the read event and starts reading; false (the buffers freed) when libevent has no memory.
    func startSocket() -> Bool {
        guard let event = event_new(server.loop.base, socket, Int16(EV_READ | EV_PERSIST), Self.socketReadCallback,
                                    Unmanaged.passUnretained(self).toOpaque()) else {
            evbuffer_free(input)
            evbuffer_free(output)
            return false
        }
        readEvent = event
        writesAtEndOfPass = true
        startReading()
        return true
    }

    /// Frees the events and the buffers, and closes the socket.
    func freeSocket() {
        if let readEvent { event_free(readEvent) }
        if let writeEvent { event_free(writeEvent) }
        readEvent = nil
        writeEvent = nil
        evbuffer_free(input)
        evbuffer_free(output)
        Glibc.close(socket)
    }

    // MARK: Either transport

    /// Reads as the peer sends, giving a silent peer what the state allows: `--idle-timeout`
    /// while open (an event stream's listener, none), two seconds while lingering.
    func startReading() {
        readingPaused = false
        let linger = timeval(tv_sec: Self.lingerSeconds, tv_usec: 0)
        withUnsafePointer(to: linger) { lingerLimit in
            let limit = state == .lingering ? lingerLimit : isEventStream ? nil : server.idleTimeout
            if let bufferevent {
                bufferevent_set_timeouts(bufferevent, limit, nil)
                bufferevent_enable(bufferevent, Int16(EV_READ))
                return
            }
            if let limit {
                event_add(readEvent, limit)
            } else {
                // event_add without a timeout keeps the one the event had, and event_remove_timer
                // clears it only from an event pending with one: so, added with one, then cleared.
                event_add(readEvent, lingerLimit)
                event_remove_timer(readEvent)
            }
        }
    }

    func stopReading() {
        if let bufferevent { bufferevent_disable(bufferevent, Int16(EV_READ)) } else { event_del(readEvent) }
    }

    /// Input was taken from a paused connection's buffer: reading goes on once there is room.
    func resumeReadingIfRoom() {
        guard readingPaused, state == .open, evbuffer_get_length(input) < inputLimit else { return }
        startReading()
    }

    /// What `output` holds, and what is added from now on, is written as the socket drains,
    /// until ``outputWritten()``. Closing, within the flush limit: a peer that stops reading
    /// must not hold the connection open for ever.
    func writeAsSocketDrains() {
        writesAtEndOfPass = false
        var flushLimit = timeval(seconds: server.configuration.drainTimeout.rounded(.up))
        let limited = state != .open
        if let bufferevent {
            if limited { bufferevent_set_timeouts(bufferevent, nil, &flushLimit) }
            bufferevent_enable(bufferevent, Int16(EV_WRITE))
            return
        }
        if writeEvent == nil {
            writeEvent = event_new(server.loop.base, socket, Int16(EV_WRITE | EV_PERSIST), Self.socketWriteCallback,
                                   Unmanaged.passUnretained(self).toOpaque())
            guard writeEvent != nil else { return finish() }
        }
        if limited { event_add(writeEvent, &flushLimit) } else { event_add(writeEvent, nil) }
    }

    // MARK: The socket's events

    private static let socketReadCallback: event_callback_fn = { _, what, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        if what & Int16(EV_TIMEOUT) != 0 { return connection.readTimedOut() }
        connection.readSocket()
    }

    private static let socketWriteCallback: event_callback_fn = { _, what, context in
        let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
        // A closing peer did not take its last bytes within the flush limit.
        if what & Int16(EV_TIMEOUT) != 0 { return connection.finish() }
        connection.writeSocket()
    }

    /// One read, of at most what the kernel holds, as a bufferevent reads.
    private func readSocket() {
        let count = evbuffer_read(input, socket, Int32(Self.maxSingleRead))
        if count > 0 {
            if evbuffer_get_length(input) >= inputLimit {
                readingPaused = true
                event_del(readEvent)
            }
            return inputArrived()
        }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        event_del(readEvent)
        if count == 0 { peerEndedStream() } else { finish() }
    }

    private func writeSocket() {
        if evbuffer_get_length(output) > 0 && evbuffer_write(output, socket) < 0 && errno != EAGAIN && errno != EINTR {
            return finish()  // the peer reset
        }
        guard evbuffer_get_length(output) == 0 else { return }
        event_del(writeEvent)
        outputWritten()
    }
}
