import ArgumentParser
import ChatCommandLine
#if canImport(Glibc)
import Glibc
#endif

/// `chat-server probe`: a health check for container HEALTHCHECKs, where slim
/// images have no curl or nc. Connects, pings, and exits 0 only on the pong.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-server probe",
        abstract: "Checks that a chat server answers: connects, sends ping,probe, expects pong,probe.",
        discussion: "Exit status 0 when the pong arrives within --timeout seconds, 1 otherwise. "
            + "--host and --port also come from CHAT_PROBE_HOST and CHAT_PORT."
    )

    @Option(help: "The server's address (CHAT_PROBE_HOST).")
    var host = "127.0.0.1"

    @Option(help: "The server's port (CHAT_PORT).")
    var port = 7420

    @Option(help: "Seconds to wait for the connection and the pong.")
    var timeout = 2.0

    @Flag(help: "Speak TLS to --port (the TLS port), without checking the certificate.")
    var tls = false

    func run() throws {
        switch ProbeConnection.ping(host: host, port: port, timeout: timeout, tls: tls) {
        case .success:
            print("ok: \(host):\(port) answered pong,probe")
        case .failure(let reason):
            printError("probe failed: \(host):\(port): \(reason)")
            throw ExitCode.failure
        }
    }

    private func printError(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
