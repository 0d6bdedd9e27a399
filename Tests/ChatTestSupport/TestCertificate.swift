import Foundation

/// A self-signed certificate and its key, made with the openssl command in a fresh
/// temporary folder, which goes with the object.
public final class TestCertificate {
    public let directory: URL
    public var certificate: String { directory.appendingPathComponent("cert.pem").path }
    public var key: String { directory.appendingPathComponent("key.pem").path }

    public init(commonName: String = "localhost") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write(commonName: commonName)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// (Re)writes both files with a new pair for `commonName`.
    public func write(commonName: String) throws {
        let openssl = try ChildProcess("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                        "-subj", "/CN=\(commonName)", "-keyout", key, "-out", certificate])
        guard try openssl.waitForExit(timeout: 60) == .exit(0) else { throw TestFailure("openssl req failed: \(openssl.stderr.text)") }
    }

    /// The server arguments that serve TLS on a free port with this pair.
    public var serverArguments: [String] { ["--tls-port", "0", "--tls-cert", certificate, "--tls-key", key] }
}
