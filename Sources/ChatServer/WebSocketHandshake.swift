import CLibeventOpenSSL
import TLSOnDemand

/// RFC 6455's opening handshake, server side: what an upgrade request must hold, and
/// the `Sec-WebSocket-Accept` it is answered with (SHA-1 and base64 from OpenSSL's libcrypto,
/// loaded at the first handshake).
enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// base64(SHA-1(key + GUID)); nil when libcrypto cannot be loaded.
    static func acceptValue(for key: String) -> String? {
        guard tls_on_demand_load_crypto() == nil else { return nil }
        let input = Array((key + guid).utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(input, input.count, &digest)
        var encoded = [UInt8](repeating: 0, count: 4 * ((digest.count + 2) / 3) + 1)
        let length = EVP_EncodeBlock(&encoded, digest, Int32(digest.count))
        return String(decoding: encoded.prefix(Int(length)), as: UTF8.self)
    }

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
