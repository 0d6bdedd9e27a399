import ChatTestSupport
import Foundation

/// A self-signed certificate and its key, made with the openssl command in a fresh folder.
struct TestCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    init(commonName: String = "localhost") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write(commonName: commonName)
    }

    /// (Re)writes both files with a new pair for `commonName`.
    func write(commonName: String) throws {
        let openssl = try ChildProcess("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                        "-subj", "/CN=\(commonName)", "-keyout", key, "-out", certificate])
        guard try openssl.waitForExit() == .exit(0) else { throw TestFailure("openssl req failed: \(openssl.stderr.text)") }
    }

    /// The arguments that serve TLS on a free port with this pair.
    var serverArguments: [String] { ["--tls-port", "0", "--tls-cert", certificate, "--tls-key", key] }
}

extension ServerProcess {
    /// The TLS port from the `tls listening` log line.
    func tlsPort() throws -> UInt16 {
        let line = try stderr.waitForLine(timeout: 10) { $0.contains("tls listening") }
        guard let port = ServerProcess.port(fromListeningLine: line) else { throw TestFailure("no port in \(line)") }
        return port
    }
}
