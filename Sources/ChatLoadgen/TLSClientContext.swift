import CLibevent
import CLibeventOpenSSL
import TLSOnDemand
#if canImport(Glibc)
import Glibc
#endif

/// The run's one client-side OpenSSL context (TLS 1.2 and 1.3), and the OpenSSL
/// bufferevents made from it, one per connection.
///
/// The server's certificate is not verified: load runs go against test servers with
/// self-signed certificates, and measure the server's TLS work, not a chain of trust.
final class TLSClientContext {
    /// Owned: freed in deinit (each SSL made from it holds a reference of its own).
    private let context: OpaquePointer

    /// One context for every target: what differs per target, the SNI, is set on each connection.
    init() throws(LoadGeneratorError) {
        if let failure = tls_on_demand_load() { throw .tls("cannot load OpenSSL: \(String(cString: failure))") }
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .tls(Self.lastError("SSL_CTX_new")) }
        _ = clibevent_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION)
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        self.context = context
    }

    deinit { SSL_CTX_free(context) }

    /// An OpenSSL bufferevent that owns `socket` (not yet connected) and a new SSL, set to
    /// start the handshake once `bufferevent_socket_connect` has connected it, sending
    /// `serverName` as SNI when given (the target's host, unless an IP literal); nil on
    /// failure, with the socket closed.
    func makeBufferevent(base: OpaquePointer, socket: Int32, serverName: String?) -> OpaquePointer? {
        guard let ssl = SSL_new(context) else {
            Glibc.close(socket)
            return nil
        }
        if let serverName { _ = clibevent_ssl_set_tlsext_host_name(ssl, serverName) }
        // With BEV_OPT_CLOSE_ON_FREE the bufferevent frees the SSL and closes the socket;
        // when it cannot be made, libevent has freed the SSL already.
        guard let bufferevent = bufferevent_openssl_socket_new(base, socket, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                               Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            Glibc.close(socket)
            return nil
        }
        // A server that closes TCP without close_notify ends the stream, as on TCP.
        bufferevent_openssl_set_allow_dirty_shutdown(bufferevent, 1)
        return bufferevent
    }

    /// The TLS error a failed connection's bufferevent recorded, as text; nil when there is none.
    static func error(of bufferevent: OpaquePointer) -> String? {
        let code = bufferevent_get_openssl_error(bufferevent)
        return code == 0 ? nil : "TLS: " + describe(code)
    }

    static func lastError(_ what: String) -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        return code == 0 ? what : "\(what): \(describe(code))"
    }

    private static func describe(_ code: UInt) -> String {
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
    }
}
