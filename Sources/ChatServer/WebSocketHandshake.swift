/// RFC 6455's opening handshake, server side: what an upgrade request must hold (it is
/// answered with ``SecWebSocketAccept``'s value for its key).
enum WebSocketHandshake {
    /// Why an upgrade request is refused, with its HTTP status; nil when it is a valid one.
    static func problem(with request: HTTPRequest) -> (status: Int, reason: String)? {
        guard request.header("upgrade")?.lowercased() == "websocket",
              request.header("connection")?.lowercased().split(separator: ",")
                .contains(where: { $0.trimmingSpaces == "upgrade" }) == true else {
            return (426, "Upgrade to websocket required")
        }
        guard request.header("sec-websocket-version") == "13" else { return (426, "Sec-WebSocket-Version 13 required") }
        guard let key = request.header("sec-websocket-key"), key.utf8.count == 24 else {
            return (400, "Sec-WebSocket-Key missing or malformed")
        }
        return nil
    }
}

extension Substring {
    /// Without spaces and tabs at either end.
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
