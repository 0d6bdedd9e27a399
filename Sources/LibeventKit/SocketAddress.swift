import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, resolved numerically or through getaddrinfo.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public var storage = sockaddr_storage()
    public var length: socklen_t = 0

    /// Resolves `host` (a name, an IPv4 or an IPv6 literal) and `port` for a passive socket.
    public init(host: String, port: Int) throws(LibeventError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard (0...65535).contains(port), getaddrinfo(host, String(port), &hints, &result) == 0,
              let first = result else { throw .badAddress(host: host, port: port) }
        defer { freeaddrinfo(result) }
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen))) }
        length = first.pointee.ai_addrlen
    }

    /// The local address a socket is bound to.
    public init(boundTo socket: Int32) {
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(socket, $0, &length) }
        }
    }

    /// The address of a connected socket's peer.
    public init(peerOf socket: Int32) {
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getpeername(socket, $0, &length) }
        }
    }

    /// The port in host byte order.
    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            Int(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        }
    }

    /// The host as a numeric literal, without brackets.
    public var host: String {
        withUnsafeBytes(of: storage) { raw in
            Self.numericHost(UnsafeRawBufferPointer(rebasing: Int32(storage.ss_family) == AF_INET6 ? raw[8..<24] : raw[4..<8]))
        }
    }

    /// 4 or 16 address bytes as an IPv4 or IPv6 literal.
    public static func numericHost(_ address: UnsafeRawBufferPointer) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(address.count == 4 ? AF_INET : AF_INET6, address.baseAddress, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        Int32(storage.ss_family) == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}
