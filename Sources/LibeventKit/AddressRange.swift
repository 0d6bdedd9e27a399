#if canImport(Glibc)
import Glibc
#endif

/// A block of IPv4 or IPv6 addresses in CIDR notation, such as `127.0.0.0/8` or `::1/128`.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes.
    public let network: [UInt8]
    public let prefixLength: Int

    /// Parses `address/prefix`, or a bare address (one host).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let bytes = Self.parseAddress(first) else { return nil }
        let bits = bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        network = Self.masked(bytes, prefixLength: prefix)
        prefixLength = prefix
    }

    /// Loopback, IPv4 and IPv6.
    public static let loopback = [AddressRange("127.0.0.0/8")!, AddressRange("::1/128")!]

    /// Whether `address` (4 or 16 bytes; an IPv4-mapped IPv6 address counts as IPv4) is in the block.
    public func contains(_ address: [UInt8]) -> Bool {
        let address = Self.unmapped(address)
        guard address.count == network.count else { return false }
        return Self.masked(address, prefixLength: prefixLength) == network
    }

    public var description: String {
        network.withUnsafeBytes { SocketAddress.numericHost($0) } + "/\(prefixLength)"
    }

    /// `::ffff:a.b.c.d` as the four bytes of `a.b.c.d`; any other address as it is.
    public static func unmapped(_ address: [UInt8]) -> [UInt8] {
        guard address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF else {
            return address
        }
        return Array(address[12...])
    }

    private static func parseAddress(_ text: String) -> [UInt8]? {
        var four = in_addr()
        if inet_pton(AF_INET, text, &four) == 1 { return withUnsafeBytes(of: four) { Array($0) } }
        var sixteen = in6_addr()
        if inet_pton(AF_INET6, text, &sixteen) == 1 { return withUnsafeBytes(of: sixteen) { Array($0) } }
        return nil
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, prefixLength - index * 8))
            return keep == 8 ? byte : byte & ~(0xFF >> keep)
        }
    }
}

extension SocketAddress {
    /// The address's 4 (IPv4) or 16 (IPv6) bytes, an IPv4-mapped IPv6 address as IPv4.
    public var addressBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw in
            let bytes = Int32(storage.ss_family) == AF_INET6 ? Array(raw[8..<24]) : Array(raw[4..<8])
            return AddressRange.unmapped(bytes)
        }
    }
}
