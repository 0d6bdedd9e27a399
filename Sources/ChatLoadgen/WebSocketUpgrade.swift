import WebSocketAccept

/// RFC 6455's opening handshake, client side: the `GET /chat` upgrade request and the
/// check of the server's answer (``SecWebSocketAccept``, as the server computes it).
enum WebSocketUpgrade {
    /// The longest response head taken, up to and including its empty line.
    static let maxResponseHead = 8192

    /// A fresh Sec-WebSocket-Key: 16 bytes from `random` in base64. The load generator takes
    /// them from the system's generator (getrandom), as OpenSSL's RAND_bytes is not among
    /// what CLibeventOpenSSL imports.
    static func makeKey(using random: inout some RandomNumberGenerator) -> String {
        let halves = (random.next() as UInt64, random.next() as UInt64)
        return withUnsafeBytes(of: halves) { SecWebSocketAccept.base64(Array($0)) }
    }

    /// The request for `path` on `host` (the Host header's value, with the port).
    static func request(host: String, key: String, path: String = "/chat") -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    /// The Host header for `host` and `port`: an IPv6 literal goes in brackets.
    static func hostHeader(host: String, port: Int) -> String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }


    /// What is wrong with the response `head` (status line and headers, CRLF-separated,
    /// the empty line optional) to a request with `key`; nil when it opens the WebSocket.
    static func problem(withResponse head: String, key: String) -> String? {
        let lines = head.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        let statusLine = lines.first ?? ""
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            return "WebSocket upgrade: not an HTTP response: \(statusLine.prefix(100))"
        }
        guard status == 101 else { return "WebSocket upgrade refused: \(statusLine.prefix(100))" }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
                .trimmingTrailingSpaces
        }
        guard headers["upgrade"]?.lowercased() == "websocket" else { return "WebSocket upgrade: 101 without Upgrade: websocket" }
        guard let expected = SecWebSocketAccept.value(for: key), headers["sec-websocket-accept"] == expected else {
            return "WebSocket upgrade: wrong Sec-WebSocket-Accept \(headers["sec-websocket-accept"] ?? "(none)")"
        }
        return nil
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
