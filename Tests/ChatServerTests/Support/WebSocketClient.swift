import ChatTestSupport
import Foundation
import Testing

/// A WebSocket client at the frame level, for tests that need to send what a browser
/// would not (unmasked, binary, fragmented, broken frames) and read every frame.
final class WebSocketClient {
    let connection: LineClient
    /// The status line and headers of the server's answer to the upgrade.
    private(set) var responseHead: [String] = []

    struct Frame: Equatable {
        var fin = true
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// A close frame's status code.
        var closeCode: UInt16? {
            opcode == 0x8 && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        }
    }

    /// Opens `path` with an upgrade request; `origin` adds an Origin header.
    init(port: UInt16, tls: LineClient.TLSVersion? = nil, origin: String? = nil, path: String = "/chat",
         extraHeaders: [String] = [], key: String = "dGhlIHNhbXBsZSBub25jZQ==", version: String = "13",
         receiveBuffer: Int32? = nil) throws {
        connection = try LineClient(port: port, receiveBuffer: receiveBuffer, tls: tls)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: \(version)\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        for header in extraHeaders { request += header + "\r\n" }
        try connection.send(request + "\r\n")
        while true {
            let line = String(try connection.readLine().dropLast())  // the CR
            if line.isEmpty { break }
            responseHead.append(line)
        }
    }

    var status: Int? { responseHead.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } }

    func header(_ name: String) -> String? {
        responseHead.dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.drop { $0 != ":" }.dropFirst()).trimmingCharacters(in: .whitespaces) }
    }

    /// One frame, masked as a client must unless `masked` is false.
    func send(_ frame: Frame, masked: Bool = true) throws {
        try connection.send(bytes: Self.encode(frame, masked: masked))
    }

    func sendText(_ text: String) throws { try send(Frame(opcode: 0x1, payload: Array(text.utf8))) }

    static func encode(_ frame: Frame, masked: Bool) -> [UInt8] {
        var bytes: [UInt8] = [(frame.fin ? 0x80 : 0) | frame.opcode]
        let mask: UInt8 = masked ? 0x80 : 0
        let count = frame.payload.count
        if count < 126 {
            bytes.append(mask | UInt8(count))
        } else if count < 65536 {
            bytes += [mask | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            bytes.append(mask | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((count >> shift) & 0xFF)) }
        }
        guard masked else { return bytes + frame.payload }
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        return bytes + key + frame.payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    /// The next frame from the server (servers do not mask).
    func readFrame() throws -> Frame {
        let head = try connection.readBytes(2)
        var count = Int(head[1] & 0x7F)
        if count == 126 {
            let extended = try connection.readBytes(2)
            count = Int(extended[0]) << 8 | Int(extended[1])
        } else if count == 127 {
            count = try connection.readBytes(8).reduce(0) { $0 << 8 | Int($1) }
        }
        #expect(head[1] & 0x80 == 0, "a server frame must not be masked")
        return Frame(fin: head[0] & 0x80 != 0, opcode: head[0] & 0x0F, payload: try connection.readBytes(count))
    }

    /// Reads a text frame and expects it to hold `expected`.
    func expect(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let frame = try readFrame()
        #expect(frame.opcode == 0x1 && frame.text == expected, "got opcode \(frame.opcode): \(frame.text)", sourceLocation: sourceLocation)
    }

    /// Registers as `name`, expecting `ack,<name>`.
    func register(_ name: String) throws {
        try sendText("register,\(name)")
        try expect("ack,\(name)")
    }
}
