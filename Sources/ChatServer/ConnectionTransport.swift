import CLibevent
import CLibeventOpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// How a connection's bytes reach its socket: as they are, or through TLS.
///
/// The calls a connection makes on its socket outside reading and writing (the unread-byte
/// check, the half-close, the goodbye) go through here, so that a TLS connection cannot
/// write around TLS by accident.
enum ConnectionTransport {
    case plain
    case tls

    /// An OpenSSL bufferevent that owns `socket` and a new SSL from `context`; nil on failure.
    static func makeTLSBufferevent(base: OpaquePointer, socket: Int32, tls context: TLSContext) -> OpaquePointer? {
        let options = Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)
        guard let ssl = context.makeSSL() else { return nil }
        // With BEV_OPT_CLOSE_ON_FREE the bufferevent frees the SSL and closes the socket.
        guard let bufferevent = bufferevent_openssl_socket_new(base, socket, ssl, BUFFEREVENT_SSL_ACCEPTING, options) else {
            SSL_free(ssl)
            return nil
        }
        // A peer that closes TCP without close_notify is at its end of stream, as on TCP:
        // its last line still counts.
        bufferevent_openssl_set_allow_dirty_shutdown(bufferevent, 1)
        return bufferevent
    }

    /// Whether anything can still be written once the peer has ended its side: on TCP,
    /// yes (a half-close); on TLS, no: libevent's OpenSSL bufferevent stops reading and
    /// writing at the end of the peer's stream, so output still queued would wait for ever.
    var writesAfterPeerEnd: Bool {
        guard case .plain = self else { return false }
        return true
    }

    /// Whether the peer has sent bytes this side has not read, in the kernel or in `input`.
    func peerHasUnreadBytes(socket: Int32, input: OpaquePointer) -> Bool {
        var unread: Int32 = 0
        guard ioctl(socket, UInt(FIONREAD), &unread) == 0 else { return false }
        return unread > 0 || evbuffer_get_length(input) > 0
    }

    /// Once everything queued is written: TLS says close_notify, so the peer knows the end is meant.
    func sayGoodbye(_ bufferevent: OpaquePointer?) {
        guard case .tls = self, let bufferevent, let ssl = bufferevent_openssl_get_ssl(bufferevent), SSL_is_init_finished(ssl) == 1 else { return }
        _ = SSL_shutdown(ssl)
    }

    /// Stops sending: the peer reads an end of stream after our last bytes.
    func halfClose(_ socket: Int32) {
        shutdown(socket, Int32(SHUT_WR))
    }
}
