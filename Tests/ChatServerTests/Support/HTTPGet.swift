import ChatTestSupport

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
    static func freePort() throws -> UInt16 { try freeLocalPort() }
}
