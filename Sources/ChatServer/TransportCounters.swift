/// Totals the libevent layer keeps since start, beside the dispatcher's and registry's.
struct TransportCounters {
    var bytesIn: UInt64 = 0
    /// Bytes queued for clients (what the sockets take follows as they drain).
    var bytesOut: UInt64 = 0
    var accepted: UInt64 = 0
    var slowConsumerDrops: UInt64 = 0
}
