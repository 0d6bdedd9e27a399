import LibeventKit

/// One target made ready to connect to: its resolved address, the 127.0.0.x addresses its
/// users connect from, and how it is named to the server (SNI, WebSocket Host header).
/// Each is worked out per target, so that in a run over several nodes every connection
/// names the node it goes to, and a failure names the node that failed.
struct TargetEndpoint {
    let target: LoadTarget
    let address: SocketAddress
    /// Empty unless the target is on IPv4 loopback.
    let sources: [SocketAddress]
    /// Sent as SNI over TLS; nil for an IP literal, which SNI may not carry (RFC 6066).
    let serverName: String?
    /// The upgrade request's Host header over WebSocket.
    var hostHeader: String { target.description }

    /// The target as given, with the address it resolved to when that reads differently
    /// (a name): `node2:7420 (10.0.0.2:7420)`.
    var name: String {
        address.description == target.description ? target.description : "\(target) (\(address))"
    }

    /// The source address for the user at `position` among this target's users: they take
    /// the sources in turn. nil when the kernel picks (not loopback).
    func source(forPosition position: Int) -> SocketAddress? {
        sources.isEmpty ? nil : sources[position % sources.count]
    }

    /// Every target of `configuration`, resolved, in order.
    ///
    /// Loopback targets share one list of 127.0.0.x sources sized for all of the run's users
    /// (one address per 5,000, or `--source-addresses`), not for each target's share: two
    /// targets may be one server (one port listed twice, or two names for it), and what one
    /// source address runs out of is ephemeral ports towards one destination.
    static func resolve(_ configuration: LoadConfiguration) throws(LibeventError) -> [TargetEndpoint] {
        let addresses = try configuration.targets.map { target throws(LibeventError) in
            try SocketAddress(host: target.host, port: target.port)
        }
        let loopbackSources = addresses.contains(where: \.isIPv4Loopback) ? try sourceAddresses(configuration) : []
        return zip(configuration.targets, addresses).map { target, address in
            TargetEndpoint(target: target, address: address, sources: address.isIPv4Loopback ? loopbackSources : [],
                           serverName: TLSClientContext.isIPLiteral(target.host) ? nil : target.host)
        }
    }

    /// Several 127.0.0.x source addresses, so that one process can open more connections to
    /// a loopback server than one address has ephemeral ports.
    private static func sourceAddresses(_ configuration: LoadConfiguration) throws(LibeventError) -> [SocketAddress] {
        let count = configuration.sourceAddresses > 0
            ? configuration.sourceAddresses
            : max(1, (configuration.users + 4_999) / 5_000)
        return try (0..<min(count, 254)).map { offset throws(LibeventError) in
            try SocketAddress(host: "127.0.0.\(offset + 1)", port: 0)
        }
    }
}
