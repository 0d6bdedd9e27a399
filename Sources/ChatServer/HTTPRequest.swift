/// An HTTP/1.1 request head, read line by line on the chat port: the request line, then
/// headers up to the empty line. Bounded: at most ``maxHeaders`` header lines.
struct HTTPRequest {
    static let maxHeaders = 64

    /// The request line's target, such as `/chat?x=1`; empty until the request line is read.
    private(set) var target = ""
    /// Header names in lower case, values trimmed, in arrival order.
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var isComplete = false

    enum Failure: Error { case malformed, tooManyHeaders }

    /// Takes one line (CR already removed). Throws on a malformed or oversized head.
    mutating func take(_ line: UnsafeRawBufferPointer) throws(Failure) {
        let text = String(decoding: line, as: UTF8.self)
        if target.isEmpty {
            // The method is GET: the connection was taken for HTTP because its line starts so.
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), !parts[1].isEmpty else { throw .malformed }
            target = String(parts[1])
            return
        }
        if text.isEmpty {
            isComplete = true
            return
        }
        guard headers.count < Self.maxHeaders else { throw .tooManyHeaders }
        guard let colon = text.firstIndex(of: ":") else { throw .malformed }
        headers.append((String(text[..<colon]).lowercased(), String(text[text.index(after: colon)...].trimmingSpaces)))
    }

    /// The first value of header `name` (lower case).
    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// The target without its query string.
    var path: Substring { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
}
