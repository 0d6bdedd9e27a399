import ChatTestSupport
import Foundation

/// A self-signed certificate for localhost and its key, made with the openssl command in a
/// fresh temporary folder, which goes with the object.
final class TestCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-loadgen-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let openssl = try ChildProcess("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                        "-subj", "/CN=localhost", "-keyout", key, "-out", certificate])
        guard try openssl.waitForExit(timeout: 60) == .exit(0) else { throw TestFailure("openssl req failed: \(openssl.stderr.text)") }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The server arguments that serve TLS on a free port with this pair.
    var serverArguments: [String] { ["--tls-port", "0", "--tls-cert", certificate, "--tls-key", key] }
}
