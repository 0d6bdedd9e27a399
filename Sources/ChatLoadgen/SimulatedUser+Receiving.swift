import CLibevent
import ChatCore
#if canImport(Glibc)
import Glibc
#endif

/// Reading the server's lines: replies move the user through registration, messages are checked.
extension SimulatedUser {

    func readLines() {
        guard let bufferevent, let input = bufferevent_get_input(bufferevent) else { return }
        // One clock read per batch: reading it per line was 9% of the generator's time.
        let now = MonotonicClock.micros()
        while state != .closed {
            var chunk = iovec()
            guard evbuffer_peek(input, -1, nil, &chunk, 1) >= 1, chunk.iov_len > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: chunk.iov_base, count: chunk.iov_len)
            var offset = 0
            while offset < bytes.count, let newline = memchr(bytes.baseAddress! + offset, 0x0A, bytes.count - offset) {
                let length = UnsafeRawPointer(newline) - (bytes.baseAddress! + offset)
                handle(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), now: now)
                offset += length + 1
                if state == .closed { return }
            }
            if offset > 0 { evbuffer_drain(input, offset) }
            guard offset < bytes.count else { continue }
            var eolLength = 0
            let end = evbuffer_search_eol(input, nil, &eolLength, EVBUFFER_EOL_LF)
            guard end.pos >= 0 else { return }
            handle(UnsafeRawBufferPointer(start: evbuffer_pullup(input, end.pos + 1), count: end.pos), now: now)
            if state == .closed { return }
            evbuffer_drain(input, end.pos + 1)
        }
    }

    private func handle(_ line: UnsafeRawBufferPointer, now: UInt64) {
        guard let (kind, rest) = ServerLine.parse(line) else { return generator.unexpectedLine(line) }
        switch kind {
        case .chat, .say:
            guard let (sender, stamp) = ServerLine.message(rest, kind: kind, users: generator.configuration.users) else { return generator.unexpectedLine(line) }
            guard isChecked else { return }
            check.record(sender: sender, channel: kind == .chat ? .direct : .room, sequence: stamp.sequence)
            generator.delivered(sentMicros: stamp.sentMicros, now: now)
        case .pong:
            if let count = MessageStamp.decimal(rest), count > confirmed, count <= sent {
                confirmed = count
                generator.userConfirmed(self)
            }
        case .ack:
            guard state == .registering else { return }
            generator.userRegistered(self)
            if generator.configuration.listFriends {
                state = .listing
                write("list\n")
            } else {
                sendJoinOrBeReady()
            }
        case .list:
            if state == .listing { sendJoinOrBeReady() }
        case .joined:
            if state == .joining { becomeReady() }
        case .error:
            generator.serverError(ServerLine.errorCode(rest))
        case .bye:
            if isQuitting && rest.elementsEqual("quit".utf8) { return }
            generator.serverError("bye," + String(decoding: rest, as: UTF8.self))
        case .notice:
            break
        }
    }

    // MARK: libevent callbacks

    static let readCallback: bufferevent_data_cb = { _, context in
        Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue().readLines()
    }

    static let eventCallback: bufferevent_event_cb = { _, events, context in
        let user = Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue()
        if events & Int16(BEV_EVENT_CONNECTED) != 0 {
            user.state = .registering
            user.generator.userConnected(user)
            user.sendRegister()
        } else if events & Int16(BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 {
            let reason = errno
            user.readLines()
            user.failed(reason: events & Int16(BEV_EVENT_EOF) != 0 ? ECONNRESET : reason)
        }
    }
}
