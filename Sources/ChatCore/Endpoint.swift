/// Where a session's outgoing bytes go: the one seam between the chat logic and
/// the transport.
///
/// The libevent layer implements it with a bufferevent; tests implement it in
/// memory. A later multi-loop or multi-node registry can implement it with a
/// queue to another thread or a publish to another node, without touching the
/// dispatcher.
public protocol Endpoint: AnyObject {
    /// Queues complete lines (each ending in LF) for the peer. The bytes are
    /// only valid during the call: copy them.
    func send(_ lines: UnsafeRawBufferPointer)

    /// Sends nothing after what is queued, flushes it, then closes.
    func closeAfterFlush()
}
