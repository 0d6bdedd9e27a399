import ChatTestSupport
import Foundation
import Testing

/// The web client in a real browser: headless Chromium, driven by Selenium
/// (Tests/Browser/browser_test.py), against the real server beside a TCP client.
@Suite struct BrowserTests {
    @Test func twoBrowsersAndATCPClientChatTheChartMovesAndMarkupStaysText() throws {
        let server = try ServerProcess.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/browser_test.py").path
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("web-client-\(UUID().uuidString).png").path
        let browser = try ChildProcess("/usr/bin/env", ["python3", "-u", script, "--http-url", "http://127.0.0.1:\(server.port)/",
                                                        "--tcp-port", "\(server.port)", "--screenshot", screenshot])
        let termination = try browser.waitForExit(timeout: 180)
        let output = try browser.stdout.waitForEnd()
        #expect(termination == .exit(0), "\(output)\n\(browser.stderr.text)")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("browser test: ") && last.hasSuffix(" passed, 0 failed"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: screenshot), "the screenshot was taken")
    }
}
