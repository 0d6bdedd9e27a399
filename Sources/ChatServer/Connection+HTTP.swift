import CLibevent
import ChatCore
import WebSocketAccept

/// HTTP/1.1 on the chat port (and the TLS port): a connection whose first line starts
/// `GET ` is a request, not protocol v1 (which has no such verb). `GET /` serves the web
/// client's page (`/client.css` and `/client.js` its stylesheet and script), `GET /stats` a
/// server-sent-events stream of figures, `GET /chat` upgrades to WebSocket, which carries
/// protocol v1: one command line per text message from the client, one line per text
/// message from the server.
extension Connection {
    /// The first line of a connection on a port that also answers HTTP.
    func sniff(_ line: UnsafeRawBufferPointer, framer: inout LineFramer) {
        guard line.count >= 4, line.prefix(4).elementsEqual("GET ".utf8) else {
            wire = .lines
            framer.limit(to: server.dispatcher.maxLine)
            if line.count > framer.maxLine { return server.dispatcher.rejectLongLine(from: self) }
            server.dispatcher.handle(line: line, from: self)
            return
        }
        wire = .httpHead(HTTPRequest())
        takeHTTPLine(line)
    }

    func takeHTTPLine(_ line: UnsafeRawBufferPointer) {
        guard var request = http else { return }
        do {
            try request.take(line)
        } catch {
            return respond(status: 400, reason: "Bad Request", body: "malformed request\n")
        }
        wire = .httpHead(request)
        guard request.isComplete else { return }
        switch request.path {
        case "/", "/index.html":
            respond(with: WebClientFiles.page)
        case "/client.css":
            respond(with: WebClientFiles.stylesheet)
        case "/client.js":
            respond(with: WebClientFiles.script)
        case "/stats":
            startEventStream()
        case "/chat":
            upgrade(request)
        default:
            respond(status: 404, reason: "Not Found", body: "not found: try / for the web client\n")
        }
    }

    /// A head line over `--max-line`.
    func rejectLongHTTPLine() {
        respond(status: 431, reason: "Request Header Fields Too Large", body: "header line over the limit\n")
    }

    /// Answers and closes once flushed.
    private func respond(status: Int, reason: String, contentType: String = "text/plain; charset=utf-8", body: String,
                         extraHeaders: [String] = []) {
        respond(with: Self.httpResponse(status: status, reason: reason, contentType: contentType, body: Array(body.utf8),
                                        extraHeaders: extraHeaders))
    }

    /// Sends a whole answer, head and body, and closes once flushed.
    private func respond(with response: [UInt8]) {
        wire = .httpAnswered
        response.withUnsafeBytes { send($0) }
        server.dispatcher.disconnect(self)
        closeAfterFlush()
    }

    /// A whole answer that ends the connection: the head, the headers every such answer has,
    /// `extraHeaders`, then the body.
    static func httpResponse(status: Int, reason: String, contentType: String, body: [UInt8],
                             extraHeaders: [String] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            + "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
        for header in extraHeaders { head += header + "\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// `GET /stats`: the head now, then one `data:` event a second until the client goes.
    private func startEventStream() {
        wire = .eventStream
        freeRegistrationTimer()
        startReading()  // without the idle timeout: it listens; silence is what it does
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
            + "X-Content-Type-Options: nosniff\r\n\r\n"
        Array(head.utf8).withUnsafeBytes { send($0) }
        server.dispatcher.disconnect(self)
        server.eventStreams?.add(self)
    }

    /// `GET /chat`: checks the handshake and the origin, then speaks WebSocket.
    private func upgrade(_ request: HTTPRequest) {
        if let (status, reason) = WebSocketHandshake.problem(with: request) {
            return respond(status: status, reason: status == 426 ? "Upgrade Required" : "Bad Request", body: reason + "\n",
                           extraHeaders: status == 426 ? ["Sec-WebSocket-Version: 13"] : [])
        }
        if let origin = request.header("origin"), !server.allowsOrigin(origin, host: request.header("host")) {
            return respond(status: 403, reason: "Forbidden", body: "origin \(origin) may not connect (--ws-origins)\n")
        }
        guard let accept = SecWebSocketAccept.value(for: request.header("sec-websocket-key") ?? "") else {
            server.logger.error("a WebSocket handshake needs OpenSSL's libcrypto, which cannot be loaded")
            return respond(status: 503, reason: "Service Unavailable", body: "no libcrypto for the handshake\n")
        }
        guard let session = WebSocketSession(connection: self, maxMessage: server.webSocketMaxMessage) else {
            return respond(status: 503, reason: "Service Unavailable", body: "out of memory\n")
        }
        wire = .webSocket(session)
        switchFormat(to: server.webSocketFormatID)
        let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept)\r\n\r\n"
        Array(head.utf8).withUnsafeBytes { send($0) }
    }

    // MARK: WebSocket messages

    /// One complete text message: protocol v1 lines (normally one, without a line end).
    func webSocketText(_ message: UnsafeRawBufferPointer) {
        // wslay has checked the message is UTF-8 (a text message that is not is closed with 1007).
        guard state == .open, !isClosed else { return }
        var rest = message
        while !rest.isEmpty, state == .open {
            let end = rest.firstIndex(of: 0x0A) ?? rest.count
            var line = UnsafeRawBufferPointer(rebasing: rest[..<end])
            if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            if line.count > server.dispatcher.maxLine {
                server.dispatcher.rejectLongLine(from: self)
            } else {
                server.dispatcher.handle(line: line, from: self)
            }
            rest = end < rest.count ? UnsafeRawBufferPointer(rebasing: rest[(end + 1)...]) : UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }

    /// After wslay has read: a close frame sent or received (wslay answers the client's)
    /// ends the session: its name goes, its rooms are told, and it closes once flushed.
    func afterWebSocketRead() {
        guard let webSocket, state == .open || state == .condemned else { return }
        if webSocket.closing {
            server.dispatcher.disconnect(self)
            closeAfterFlush()
        }
    }
}
