import Foundation

/// How much the kernel holds for a peer that does not read: the server writes each pass's
/// output straight into the socket, so a stuck reader's bytes pile up in the server only
/// once the socket's send buffer (which grows up to `tcp_wmem`'s maximum) is full.
enum KernelSendBuffer {
    /// The largest send buffer a TCP socket grows to (4 MiB when the file cannot be read).
    static var maximum: Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 4 << 20
    }

    /// How many lines of `lineBytes` overflow both the kernel and a `--max-pending` of `pending`, with a margin.
    static func linesToOverflow(lineBytes: Int, pending: Int) -> Int {
        (maximum + pending) * 3 / 2 / lineBytes + 1
    }
}
