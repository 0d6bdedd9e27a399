import CLibeventOpenSSL
import TLSOnDemand

/// RFC 6455's `Sec-WebSocket-Accept`: base64(SHA-1(key + GUID)), the one computation the
/// server answers an upgrade with and the load generator checks the answer against. SHA-1
/// and base64 come from OpenSSL's libcrypto, loaded on first use (``TLSOnDemand``).
public enum SecWebSocketAccept {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The accept value for `key`; nil when libcrypto cannot be loaded.
    public static func value(for key: String) -> String? {
        guard tls_on_demand_load_crypto() == nil else { return nil }
        let input = Array((key + guid).utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(input, input.count, &digest)
        return base64(digest)
    }

    /// `bytes` in base64 (a `Sec-WebSocket-Key` is 16 random bytes so); call it once
    /// libcrypto is loaded.
    public static func base64(_ bytes: [UInt8]) -> String {
        var encoded = [UInt8](repeating: 0, count: 4 * ((bytes.count + 2) / 3) + 1)
        let length = EVP_EncodeBlock(&encoded, bytes, Int32(bytes.count))
        return String(decoding: encoded.prefix(Int(max(0, length))), as: UTF8.self)
    }
}
