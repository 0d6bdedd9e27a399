import CLibevent
import CLibeventOpenSSL
import LibeventKit
import TLSOnDemand
#if canImport(Glibc)
import Glibc
#endif

/// One blocking round trip for the probe: connect, `ping,probe`, wait for `pong,probe`;
/// with `tls`, inside a TLS session whose certificate is not checked (the probe asks
/// whether the server answers, not who it is).
enum ProbeConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func ping(host: String, port: Int, timeout: Double, tls: Bool) -> Result<Void, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            return .failure(Failure(description: "cannot resolve \(host)"))
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        defer { close(socket) }
        var limit = timeval(seconds: timeout)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            return .failure(Failure(description: String(cString: strerror(errno))))
        }
        var session: TLSSession?
        if tls {
            guard let started = TLSSession(socket: socket, host: host) else {
                return .failure(Failure(description: "TLS handshake failed"))
            }
            session = started
        }
        let send: (UnsafeRawBufferPointer) -> Int = { bytes in
            if let session { return Int(SSL_write(session.ssl, bytes.baseAddress, Int32(bytes.count))) }
            return Glibc.send(socket, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }
        let receive: (UnsafeMutableRawBufferPointer) -> Int = { space in
            if let session { return Int(SSL_read(session.ssl, space.baseAddress, Int32(space.count))) }
            return recv(socket, space.baseAddress, space.count, 0)
        }
        let request = Array("ping,probe\n".utf8)
        guard request.withUnsafeBytes(send) == request.count else {
            return .failure(Failure(description: "cannot send: \(String(cString: strerror(errno)))"))
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while !received.contains(UInt8(ascii: "\n")) && received.count < 4096 {
            let count = buffer.withUnsafeMutableBytes(receive)
            guard count > 0 else {
                return .failure(Failure(description: count == 0 ? "closed before answering" : "no answer: \(String(cString: strerror(errno)))"))
            }
            received.append(contentsOf: buffer[..<count])
        }
        let line = received.prefix { $0 != UInt8(ascii: "\n") }
        guard line.elementsEqual("pong,probe".utf8) else {
            return .failure(Failure(description: "unexpected answer: \(String(decoding: line, as: UTF8.self))"))
        }
        return .success(())
    }
}

/// A client TLS session on a connected blocking socket, freed with the object.
private final class TLSSession {
    let context: OpaquePointer
    let ssl: OpaquePointer

    init?(socket: Int32, host: String) {
        guard tls_on_demand_load() == nil, let context = SSL_CTX_new(TLS_client_method()) else { return nil }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            return nil
        }
        self.context = context
        self.ssl = ssl
        SSL_set_fd(ssl, socket)
        _ = clibevent_ssl_set_tlsext_host_name(ssl, host)
        guard SSL_connect(ssl) == 1 else { return nil }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }
}
