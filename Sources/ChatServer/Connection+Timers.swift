import CLibevent
import ChatCore

/// The connection's timers.
extension Connection {
    static let handshakeCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().handshakeFailed("timeout")
    }

    static let registrationCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().registrationTimePassed()
    }

    static let quietGapCallback: event_callback_fn = { _, _, context in
        Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().quietGapPassed()
    }
}
