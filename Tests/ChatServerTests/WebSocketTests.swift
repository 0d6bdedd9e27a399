import Foundation
import ChatTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// WebSocket on the chat port (RFC 6455) carrying protocol v1, beside TCP users.
@Suite struct WebSocketTests {
    @Test func theHandshakeAnswersRFC6455sAcceptAndTheChatIsShared() throws {
        let server = try ServerProcess.start()
        let web = try WebSocketClient(port: server.port)
        #expect(web.status == 101)
        #expect(web.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "RFC 6455's own example")
        try web.register("Web")
        let tcp = try server.registered("Tcp")[0]
        let other = try WebSocketClient(port: server.port)
        try other.register("Other")
        for member in [web, other] {
            try member.sendText("join,lobby")
            _ = try member.readFrame()
        }
        try web.expect("join,lobby,Other")
        try tcp.send("join,lobby\n")
        try tcp.expect("joined,lobby,3")
        try web.expect("join,lobby,Tcp")
        try other.expect("join,lobby,Tcp")
        try tcp.send("say,lobby,hello, browsers\n")
        try web.expect("say,lobby,Tcp,hello, browsers")
        try other.expect("say,lobby,Tcp,hello, browsers")
        try web.sendText("say,lobby,hello from the web")
        try tcp.expect("say,lobby,Web,hello from the web")
        try other.expect("say,lobby,Web,hello from the web")
        try web.sendText("quit,done")
        try web.expect("bye,quit")
        #expect(try web.readFrame().closeCode == 1000)
        try tcp.expect("quit,Web,done")
    }

    @Test func badUpgradesAreRefusedWithTheirStatus() throws {
        let server = try ServerProcess.start()
        #expect(try WebSocketClient(port: server.port, version: "8").status == 426)
        #expect(try WebSocketClient(port: server.port, key: "short").status == 400)
        #expect(try WebSocketClient(port: server.port, origin: "http://evil.example").status == 403)
        #expect(try WebSocketClient(port: server.port, origin: "http://127.0.0.1:\(server.port)").status == 101,
                "the server's own origin")
        let allowing = try ServerProcess.start(["--ws-origins", "https://chat.example, http://other.example"])
        #expect(try WebSocketClient(port: allowing.port, origin: "https://chat.example").status == 101)
        #expect(try WebSocketClient(port: allowing.port, origin: "http://127.0.0.1:\(allowing.port)").status == 403)
    }

    @Test func framesFragmentsPingsAndTheCloseCodesOfRFC6455() throws {
        let server = try ServerProcess.start(["--max-line", "64"])
        let web = try WebSocketClient(port: server.port)
        try web.register("Frames")
        // A message in three fragments is one command.
        try web.send(.init(fin: false, opcode: 0x1, payload: Array("pi".utf8)))
        try web.send(.init(fin: false, opcode: 0x0, payload: Array("ng,fr".utf8)))
        try web.send(.init(fin: true, opcode: 0x0, payload: Array("agments".utf8)))
        try web.expect("pong,fragments")
        try web.send(.init(opcode: 0x9, payload: Array("are you there".utf8)))
        #expect(try web.readFrame() == .init(opcode: 0xA, payload: Array("are you there".utf8)))
        try web.sendText("ping," + String(repeating: "x", count: 100))
        try web.expect("error,line-too-long,64")
        try web.sendText("ping,still usable")
        try web.expect("pong,still usable")

        let binary = try WebSocketClient(port: server.port)
        try binary.send(.init(opcode: 0x2, payload: [1, 2, 3]))
        #expect(try binary.readFrame().closeCode == 1003)
        let badText = try WebSocketClient(port: server.port)
        try badText.send(.init(opcode: 0x1, payload: [0x70, 0xFF, 0xFE]))
        #expect(try badText.readFrame().closeCode == 1007)
        let unmasked = try WebSocketClient(port: server.port)
        try unmasked.send(.init(opcode: 0x1, payload: Array("ping".utf8)), masked: false)
        #expect(try unmasked.readFrame().closeCode == 1002)
        let huge = try WebSocketClient(port: server.port)
        try huge.send(.init(opcode: 0x1, payload: Array(repeating: 0x61, count: 70_000)))
        #expect(try huge.readFrame().closeCode == 1009)
        let polite = try WebSocketClient(port: server.port)
        try polite.send(.init(opcode: 0x8, payload: [0x03, 0xE8]))
        #expect(try polite.readFrame().closeCode == 1000)
        #expect(try polite.connection.readAllToEOF() == "")
        try web.sendText("ping,unharmed")
        try web.expect("pong,unharmed")
    }

    @Test func theLimitsAndTheDrainHoldOverWebSocket() throws {
        let server = try ServerProcess.start(["--idle-timeout", "3"])
        let idle = try WebSocketClient(port: server.port)
        try idle.register("Idle")
        try idle.expect("bye,idle-timeout")
        #expect(try idle.readFrame().closeCode == 1008)

        let draining = try ServerProcess.start()
        let web = try WebSocketClient(port: draining.port)
        try web.register("Web")
        let watcher = try draining.registered("Watcher")[0]
        try watcher.send("join,r\n")
        try watcher.expect("joined,r,1")
        let vanishing = try WebSocketClient(port: draining.port)
        try vanishing.register("Vanishing")
        try vanishing.sendText("join,r")
        _ = try vanishing.readFrame()
        try watcher.expect("join,r,Vanishing")
        // Half a frame, then gone: its room hears it leave.
        try vanishing.connection.send(bytes: Array(WebSocketClient.encode(.init(opcode: 0x1, payload: Array("say,r,never".utf8)), masked: true).prefix(8)))
        vanishing.connection.resetClose()
        try watcher.expect("quit,Vanishing,")
        draining.signal(SIGTERM)
        try web.expect("bye,shutdown")
        #expect(try web.readFrame().closeCode == 1001)
        #expect(try draining.waitForExit() == .exit(0))
    }

    @Test func webSocketOverTLS() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments)
        let web = try WebSocketClient(port: try server.tlsPort(), tls: .v1_3)
        #expect(web.status == 101)
        try web.register("Secure")
        let tcp = try server.registered("Plain")[0]
        try tcp.send("chat,Secure,over wss\n")
        try web.expect("chat,Plain,over wss")
    }

    @Test func thePageTheStatsStreamAndNotFound() throws {
        let server = try ServerProcess.start()
        let page = try HTTPResponse.get("/", port: server.port)
        #expect(page.status == 200)
        #expect(page.headers.contains { $0.lowercased().hasPrefix("content-type: text/html") })
        #expect(page.body.lowercased().hasPrefix("<!doctype html>"))
        #expect(!page.body.contains("http://") || !page.body.contains("<script src"), "the page loads nothing from elsewhere")
        // Scripts and styles come from the server's own files; nothing inline may run.
        #expect(page.headers.contains("Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
                                      + "connect-src 'self' ws: wss:; img-src 'self' data:"), "\(page.headers)")
        #expect(!page.headers.joined().contains("unsafe-inline"))
        #expect(page.body.contains(#"<link rel="stylesheet" href="/client.css">"#))
        #expect(page.body.contains(#"<script type="module" src="/client.js"></script>"#))
        #expect(!page.body.contains("<style") && !page.body.contains("<script>") && !page.body.contains(" style="))
        // Each file as the build embedded it, the same bytes as in Sources/ChatServer/WebClient/.
        let webClient = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ChatServer/WebClient")
        for (path, file, type) in [("/", "index.html", "text/html; charset=utf-8"), ("/index.html", "index.html", "text/html; charset=utf-8"),
                                   ("/client.css", "client.css", "text/css; charset=utf-8"),
                                   ("/client.js", "client.js", "text/javascript; charset=utf-8")] {
            let answer = try HTTPResponse.get(path, port: server.port)
            let bytes = try Data(contentsOf: webClient.appendingPathComponent(file))
            #expect(answer.status == 200, "\(path)")
            #expect(answer.headers.contains("Content-Type: \(type)"), "\(path): \(answer.headers)")
            #expect(answer.headers.contains("Content-Length: \(bytes.count)"), "\(path): \(answer.headers)")
            #expect(answer.headers.contains("Cache-Control: no-store"), "\(path): \(answer.headers)")
            #expect(answer.body == String(decoding: bytes, as: UTF8.self), "\(path) is \(file)")
        }
        #expect(try HTTPResponse.get("/nothing-here", port: server.port).status == 404)

        let stream = try server.connect()
        try stream.send("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(try stream.readLine() == "HTTP/1.1 200 OK\r")
        var events: [String] = []
        while events.count < 2 {
            let line = try stream.readLine()
            if line.hasPrefix("data: ") { events.append(String(line.dropFirst(6))) }
        }
        for event in events {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
            for key in ["connections", "users", "rooms", "delivered_per_s", "commands_per_s", "loop_lag_ms"] {
                #expect(object[key] is NSNumber, "\(key) in \(event)")
            }
        }
        // A v1 client is unaffected by the HTTP on its port.
        let client = try server.registered("Plain")[0]
        #expect(try client.sync() == [])
    }

    /// A `/stats` listener says nothing, so `--idle-timeout` does not apply to it: its events
    /// (one a second) go on past the timeout, while a silent chat client is closed by it.
    @Test func theStatsStreamOutlivesTheIdleTimeout() throws {
        let server = try ServerProcess.start(["--idle-timeout", "3"])
        let stream = try server.connect()
        try stream.send("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(try stream.readLine() == "HTTP/1.1 200 OK\r")
        let silent = try server.connect()
        #expect(try silent.readToEOF() == ["bye,idle-timeout"])
        // The silent client's close took the idle timeout; three more events take three seconds.
        var events = 0
        while events < 3 {
            if try stream.readLine().hasPrefix("data: ") { events += 1 }
        }
    }

    @Test func badHTTPHeadsAreAnsweredWithTheirStatusAndClosed() throws {
        let server = try ServerProcess.start(["--max-line", "64", "--registration-timeout", "3"])
        func status(_ request: String) throws -> String {
            let client = try server.connect()
            try client.send(request)
            return try client.readAllToEOF().components(separatedBy: "\r\n").first ?? ""  // "\r\n" is one Character
        }
        #expect(try status("GET /\r\n\r\n") == "HTTP/1.1 400 Bad Request", "no version")
        #expect(try status("GET / HTTP/1.1\r\nno colon here\r\n\r\n") == "HTTP/1.1 400 Bad Request")
        let many = (0..<100).map { "X-Header-\($0): v\r\n" }.joined()
        #expect(try status("GET / HTTP/1.1\r\n\(many)\r\n") == "HTTP/1.1 400 Bad Request", "over 64 header lines")
        let cookie = "Cookie: " + String(repeating: "c", count: 9000)
        #expect(try status("GET / HTTP/1.1\r\n\(cookie)\r\n\r\n") == "HTTP/1.1 431 Request Header Fields Too Large")
        // Head lines longer than --max-line (64 here) but within 8 KiB are fine.
        let agent = "User-Agent: " + String(repeating: "a", count: 200)
        #expect(try status("GET /nowhere HTTP/1.1\r\n\(agent)\r\n\r\n") == "HTTP/1.1 404 Not Found")
        // A head that never ends is closed when its registration time runs out, without chat words.
        let slow = try server.connect()
        try slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
        #expect(try slow.readAllToEOF() == "")
        #expect(try server.registered("StillUp")[0].sync() == [])
    }
}
