import Foundation
import Testing
@testable import ChatLoadgen
import WebSocketAccept

/// The client's side of the opening handshake: the request, the key, the check of the answer.
@Suite struct WebSocketUpgradeTests {
    /// RFC 6455 section 1.3's example key and the accept value it must be answered with.
    static let rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="
    static let rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    private func response(_ lines: [String]) -> String { lines.joined(separator: "\r\n") + "\r\n\r\n" }

    @Test func acceptValueIsTheRFCs() {
        #expect(SecWebSocketAccept.value(for: Self.rfcKey) == Self.rfcAccept)
    }

    @Test func keysAreSixteenRandomBytesInBase64() throws {
        var random = SystemRandomNumberGenerator()
        let keys = (0..<20).map { _ in WebSocketUpgrade.makeKey(using: &random) }
        for key in keys {
            #expect(key.utf8.count == 24)
            #expect(try #require(Data(base64Encoded: key)).count == 16)
        }
        #expect(Set(keys).count == keys.count)
    }

    @Test func requestHasTheHeadersAnUpgradeNeeds() {
        let request = WebSocketUpgrade.request(host: "127.0.0.1:7420", key: Self.rfcKey)
        #expect(request == "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:7420\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }

    @Test func hostHeaderBracketsIPv6() {
        #expect(WebSocketUpgrade.hostHeader(host: "localhost", port: 7420) == "localhost:7420")
        #expect(WebSocketUpgrade.hostHeader(host: "::1", port: 8443) == "[::1]:8443")
    }

    @Test func a101WithTheRightAcceptOpens() {
        let head = response(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                             "Sec-WebSocket-Accept: \(Self.rfcAccept)"])
        #expect(WebSocketUpgrade.problem(withResponse: head, key: Self.rfcKey) == nil)
        // Header names in any case, values with spaces around them.
        let loose = response(["HTTP/1.1 101 Switching Protocols", "UPGRADE:WebSocket", "sec-websocket-accept:  \(Self.rfcAccept) "])
        #expect(WebSocketUpgrade.problem(withResponse: loose, key: Self.rfcKey) == nil)
    }

    @Test func anyOtherStatusIsRefused() {
        let head = response(["HTTP/1.1 404 Not Found", "Content-Length: 0"])
        #expect(WebSocketUpgrade.problem(withResponse: head, key: Self.rfcKey) == "WebSocket upgrade refused: HTTP/1.1 404 Not Found")
        let upgrade = response(["HTTP/1.1 426 Upgrade Required", "Sec-WebSocket-Version: 13"])
        #expect(WebSocketUpgrade.problem(withResponse: upgrade, key: Self.rfcKey)?.contains("426 Upgrade Required") == true)
    }

    @Test func aWrongOrMissingAcceptIsRefused() {
        let wrong = response(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Sec-WebSocket-Accept: bogus"])
        #expect(WebSocketUpgrade.problem(withResponse: wrong, key: Self.rfcKey)?.contains("Sec-WebSocket-Accept") == true)
        let missing = response(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket"])
        #expect(WebSocketUpgrade.problem(withResponse: missing, key: Self.rfcKey) != nil)
        let noUpgrade = response(["HTTP/1.1 101 Switching Protocols", "Sec-WebSocket-Accept: \(Self.rfcAccept)"])
        #expect(WebSocketUpgrade.problem(withResponse: noUpgrade, key: Self.rfcKey) != nil)
    }

    @Test func somethingElseThanHTTPIsRefused() {
        #expect(WebSocketUpgrade.problem(withResponse: "ack,u1\n\r\n\r\n", key: Self.rfcKey)?.contains("not an HTTP response") == true)
        #expect(WebSocketUpgrade.problem(withResponse: "", key: Self.rfcKey) != nil)
    }
}
