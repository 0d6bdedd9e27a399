#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 client for `/metrics` and `/healthz`: the status code and the body.
struct HTTPResponse {
    let status: Int
    let headers: [String]
    let body: String

    static func get(_ path: String, port: UInt16) throws -> HTTPResponse {
        let client = try LineClient(port: port)
        try client.send("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        let lines = try client.readToEOF().map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard let statusLine = lines.first, let blank = lines.firstIndex(of: ""),
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw TestFailure("not an HTTP response: \(lines.prefix(3))")
        }
        return HTTPResponse(status: status, headers: Array(lines[1..<blank]),
                            body: lines[(blank + 1)...].map { $0 + "\n" }.joined())
    }

    /// A port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 ? getsockname(descriptor, pointer, &length) : -1
            }
        }
        guard result == 0 else { throw TestFailure("bind failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
