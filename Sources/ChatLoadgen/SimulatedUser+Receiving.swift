import CLibevent
import ChatCore
import LibeventKit
import LibeventLines
#if canImport(Glibc)
import Glibc
#endif

/// Reading the server's lines: replies move the user through registration, messages are checked.
extension SimulatedUser {

    func readLines() {
        guard let bufferevent, let input = bufferevent_get_input(bufferevent) else { return }
        // One clock read per batch: reading it per line was 9% of the generator's time.
        let now = MonotonicClock.micros()
        var source = EvbufferLines(input)
        reader.read(from: &source) { event, _ in
            if case .line(let line) = event { handle(line, now: now) }
            return state == .closed ? .gone : .more  // closed: the bufferevent is freed
        }
        generator.publishDeliveries()
    }

    /// One line from the server, without its LF (over WebSocket, one text message).
    func handle(_ line: UnsafeRawBufferPointer, now: UInt64) {
        guard let (kind, rest) = ServerLine.parse(line) else { return generator.unexpectedLine(line) }
        switch kind {
        case .chat, .say:
            guard let (sender, stamp) = ServerLine.message(rest, kind: kind, users: generator.configuration.users) else { return generator.unexpectedLine(line) }
            guard isChecked else { return }
            // A repeat is not counted as delivered: the drain, which ends once the deliveries
            // reach what was expected, would end with a message still to come.
            guard check.record(sender: sender, channel: kind == .chat ? .direct : .room, sequence: stamp.sequence) else { return }
            generator.delivered(from: sender, sentMicros: stamp.sentMicros, now: now)
        case .pong:
            if let count = MessageStamp.decimal(rest), count > confirmed, count <= sent {
                confirmed = count
                generator.userConfirmed(self)
                dropIfLeaving()
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
            guard generator.configuration.protocolVersion >= 2 else {
                if state == .joining { becomeReady() }
                return
            }
            guard let lastID = ServerLine.lastID(ofJoined: rest) else { return generator.unexpectedLine(line) }
            guard state == .joining else { return }
            let epoch = ServerLine.epoch(ofJoined: rest)
            if resuming {
                // The replay continues the ids it saw before the drop, unless the room's record
                // is another now (it emptied meanwhile): its ids start again.
                if epoch != roomEpoch {
                    check.startRoomIDs(after: 0)
                    roomEpoch = epoch
                }
                resumeReplaying = true
            } else {
                check.startRoomIDs(after: lastID)
                roomEpoch = epoch
                replaying = true
            }
        case .replayed:
            guard replaying || resumeReplaying else { return }
            replaying = false
            resumeReplaying = false
            resuming = false
            becomeReady()
        case .msg:
            guard let (id, message) = ServerLine.roomMessage(rest, users: generator.configuration.users) else {
                return generator.unexpectedLine(line)
            }
            guard !replaying, isChecked, check.recordRoomID(id) else { return }
            if resumeReplaying { check.replayed += 1 }
            guard let (sender, stamp) = message else { return generator.unexpectedLine(line) }
            // Its own message back: it learns the id, and nobody is owed a delivery.
            guard sender != index else { return }
            guard check.record(sender: sender, channel: .room, sequence: stamp.sequence) else { return }
            generator.delivered(from: sender, sentMicros: stamp.sentMicros, now: now)
        case .error:
            let code = ServerLine.errorCode(rest)
            // Back after a drop the server has not seen yet: the old connection still holds
            // the name for a moment.
            if resuming && state == .registering && code == "name-taken" && nameRetries < 10_000 {
                nameRetries += 1
                return sendRegister()
            }
            generator.serverError(code)
        case .bye:
            if isQuitting && rest.elementsEqual("quit".utf8) { return }
            generator.serverError("bye," + String(decoding: rest, as: UTF8.self))
        case .notice:
            break
        }
    }

    /// The connection (TCP, or TLS once its handshake is done; over WebSocket, the upgrade
    /// too) is open: the user registers.
    func opened() {
        state = .registering
        generator.userConnected(self)
        sendRegister()
    }

    // MARK: libevent callbacks

    static let readCallback: bufferevent_data_cb = { _, context in
        Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue().readLines()
    }

    static let frameReadCallback: bufferevent_data_cb = { _, context in
        Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue().readFrames()
    }

    /// WebSocket: the answer to the server's close frame is written; the connection ends.
    static let closeAnsweredCallback: bufferevent_data_cb = { _, context in
        Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue().failed(description: "the server closed the WebSocket")
    }

    static let eventCallback: bufferevent_event_cb = { bufferevent, events, context in
        let user = Unmanaged<SimulatedUser>.fromOpaque(context!).takeUnretainedValue()
        if events & Int16(BEV_EVENT_CONNECTED) != 0 {
            // TCP: connected. TLS: connected and the handshake done (libevent's OpenSSL
            // bufferevent reports CONNECTED then, once); a CONNECTED later changes nothing.
            guard user.state == .connecting else { return }
            if user.isWebSocket { return user.sendUpgradeRequest() }
            user.opened()
        } else if events & Int16(BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 {
            let reason = errno
            let tlsError = user.generator.tls != nil && events & Int16(BEV_EVENT_ERROR) != 0
                ? bufferevent.flatMap(TLSClientContext.error(of:)) : nil
            if user.isWebSocket { user.readFrames() } else { user.readLines() }
            if let tlsError { return user.failed(description: tlsError) }
            user.failed(reason: events & Int16(BEV_EVENT_EOF) != 0 ? ECONNRESET : reason)
        }
    }
}
