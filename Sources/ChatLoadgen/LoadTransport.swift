/// How each simulated user's connection carries protocol v1.
public enum LoadTransport: String, CaseIterable, Sendable {
    /// Lines over plain TCP.
    case tcp
    /// Lines over TLS (the server's --tls-port).
    case tls
    /// WebSocket (`GET /chat`) over plain TCP: one masked text frame per line.
    case ws
    /// WebSocket over TLS.
    case wss

    public var usesTLS: Bool { self == .tls || self == .wss }
    public var usesWebSocket: Bool { self == .ws || self == .wss }
}
