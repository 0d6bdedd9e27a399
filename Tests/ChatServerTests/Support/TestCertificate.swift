import ChatTestSupport

extension ServerProcess {
    /// The TLS port from the `tls listening` log line.
    func tlsPort() throws -> UInt16 {
        let line = try stderr.waitForLine(timeout: 10) { $0.contains("tls listening") }
        guard let port = ServerProcess.port(fromListeningLine: line) else { throw TestFailure("no port in \(line)") }
        return port
    }
}
