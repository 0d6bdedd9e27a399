import ChatCore

/// Totals the libevent layer keeps since start, beside the dispatcher's and registry's.
struct TransportCounters {
    var bytesIn: UInt64 = 0
    /// Bytes queued for clients (what the sockets take follows as they drain).
    var bytesOut: UInt64 = 0
    var accepted: UInt64 = 0
    var slowConsumerDrops: UInt64 = 0
    /// Connections closed at once on accept, by the reason they were told.
    var refused: [ByeReason: UInt64] = [:]
    var registrationTimeouts: UInt64 = 0
    var tlsHandshakes: UInt64 = 0
    /// Handshakes that failed, timed out, or met an end of stream: plaintext or garbage on the TLS port.
    var tlsHandshakeFailures: UInt64 = 0
}
