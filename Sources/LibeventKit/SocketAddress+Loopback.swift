#if canImport(Glibc)
import Glibc
#endif

extension SocketAddress {
    /// Whether this is an IPv4 address in 127.0.0.0/8.
    public var isIPv4Loopback: Bool {
        guard Int32(storage.ss_family) == AF_INET else { return false }
        return withUnsafeBytes(of: storage) { $0[4] == 127 }
    }
}
