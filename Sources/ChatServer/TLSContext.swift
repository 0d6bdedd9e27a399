import CLibeventOpenSSL
import LibeventKit
import TLSOnDemand

/// The server's certificate and key as an OpenSSL context, TLS 1.2 and 1.3.
///
/// ``reload()`` makes a new context from the same files for the handshakes after it;
/// connections already open keep the context they were made with (each SSL holds a
/// reference to its own). A file that cannot be loaded leaves the current context in place.
/// With `--loops` above 1 the loops share one: a reload on loop 0 is every loop's at once.
final class TLSContext: Sendable {
    let certificatePath: String
    let keyPath: String
    /// Owned: freed when replaced and in deinit. OpenSSL makes SSLs from one context on
    /// several threads; the lock guards the pointer's replacement.
    private let context: Locked<SSLContextPointer>

    /// An `SSL_CTX`: OpenSSL counts its references and makes SSLs from it on any thread, so
    /// the pointer may cross threads (the lock above orders its replacement).
    private struct SSLContextPointer: @unchecked Sendable {
        var pointer: OpaquePointer
    }

    /// Loads the pair; throws with OpenSSL's reason when either file is unusable.
    init(certificate: String, key: String) throws(ServerError) {
        certificatePath = certificate
        keyPath = key
        context = Locked(SSLContextPointer(pointer: try Self.load(certificate: certificate, key: key)))
    }

    deinit { context.withLock { SSL_CTX_free($0.pointer) } }

    /// Loads the files again for new handshakes.
    func reload() throws(ServerError) {
        let fresh = try Self.load(certificate: certificatePath, key: keyPath)
        context.withLock { context in
            SSL_CTX_free(context.pointer)
            context.pointer = fresh
        }
    }

    /// A new server-side SSL for one connection, or nil when OpenSSL has no memory for one.
    func makeSSL() -> OpaquePointer? { context.withLock { SSL_new($0.pointer) } }

    private static func load(certificate: String, key: String) throws(ServerError) -> OpaquePointer {
        if let failure = tls_on_demand_load() { throw .tls("cannot load OpenSSL: \(String(cString: failure))") }
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw .tls(lastError("SSL_CTX_new")) }
        _ = clibevent_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION)
        // A connection with nothing in flight gives OpenSSL's read and write buffers back:
        // peak RSS per TLS connection on S3 went from 40 to 29 KiB (TCP: 3.3 KiB).
        _ = clibevent_ssl_ctx_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
            SSL_CTX_free(context)
            throw .tls(lastError("certificate \(certificate)"))
        }
        guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
            SSL_CTX_free(context)
            throw .tls(lastError("key \(key)"))
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            SSL_CTX_free(context)
            throw .tls(lastError("key \(key) does not match certificate \(certificate)"))
        }
        return context
    }

    /// OpenSSL's last queued error as text, after `what`.
    static func lastError(_ what: String) -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return what }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return "\(what): \(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
    }
}
