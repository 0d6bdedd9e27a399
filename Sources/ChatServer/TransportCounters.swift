import ChatCore

extension TransportCounters {
    /// Adds another loop's totals.
    mutating func add(_ other: TransportCounters) {
        bytesIn &+= other.bytesIn
        bytesOut &+= other.bytesOut
        accepted &+= other.accepted
        slowConsumerDrops &+= other.slowConsumerDrops
        refusedServerFull &+= other.refusedServerFull
        refusedTooManyConnections &+= other.refusedTooManyConnections
        registrationTimeouts &+= other.registrationTimeouts
        tlsHandshakes &+= other.tlsHandshakes
        tlsHandshakeFailures &+= other.tlsHandshakeFailures
    }

    /// The refusals for `reason` (`server-full` or `too-many-connections`).
    subscript(refused reason: ByeReason) -> UInt64 {
        get { reason == .serverFull ? refusedServerFull : reason == .tooManyConnections ? refusedTooManyConnections : 0 }
        set {
            if reason == .serverFull { refusedServerFull = newValue } else if reason == .tooManyConnections { refusedTooManyConnections = newValue }
        }
    }
}

/// Totals the libevent layer keeps since start, beside the dispatcher's and registry's.
///
/// Plain integers only: connections bump them in place on every send, and a field that
/// holds a reference (a dictionary) made each bump a checked, retaining access (measured:
/// about 7% of server time on S1).
struct TransportCounters: Sendable {
    var bytesIn: UInt64 = 0
    /// Bytes queued for clients (what the sockets take follows as they drain).
    var bytesOut: UInt64 = 0
    var accepted: UInt64 = 0
    var slowConsumerDrops: UInt64 = 0
    /// Connections closed at once on accept: over `--max-connections`, over the per-address limit.
    var refusedServerFull: UInt64 = 0
    var refusedTooManyConnections: UInt64 = 0
    var registrationTimeouts: UInt64 = 0
    var tlsHandshakes: UInt64 = 0
    /// Handshakes that failed, timed out, or met an end of stream: plaintext or garbage on the TLS port.
    var tlsHandshakeFailures: UInt64 = 0
}
