import ChatTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Protocol v1 over TLS beside the plain port: versions, a real `openssl s_client`, bad
/// handshakes, the limits, the drain, and certificate reload on SIGHUP.
@Suite struct TLSTests {
    @Test(arguments: [LineClient.TLSVersion.v1_2, .v1_3])
    func tlsAndTCPUsersChatInOneChat(version: LineClient.TLSVersion) throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments)
        let tls = try LineClient(port: try server.tlsPort(), tls: version)
        #expect(tls.tlsVersion == version.description)
        #expect(tls.peerSubject == "/CN=localhost")
        try tls.send("register,Secure\n")
        try tls.expect("ack,Secure")
        let plain = try server.registered("Plain")[0]
        try tls.send("chat,Plain,over tls\n")
        try plain.expect("chat,Secure,over tls")
        try plain.send("chat,Secure,over tcp\n")
        try tls.expect("chat,Plain,over tcp")
        try tls.send("quit,done\n")
        #expect(try tls.readToEOF() == ["bye,quit"])
    }

    @Test func opensslSClientChats() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments)
        let port = try server.tlsPort()
        let watcher = try server.registered("Watcher")[0]
        let client = try ChildProcess("/usr/bin/env", ["openssl", "s_client", "-quiet", "-connect", "127.0.0.1:\(port)"],
                                      input: true)
        try client.write("register,Sam\nchat,Watcher,hello from s_client\n")
        try watcher.expect("chat,Sam,hello from s_client")
        _ = try client.stdout.waitForLine(timeout: 10) { $0 == "ack,Sam" }
        try client.write("quit\n")
        _ = try client.stdout.waitForLine(timeout: 10) { $0 == "bye,quit" }
        try client.waitForExit()
    }

    @Test func plaintextGarbageAndStalledHandshakesAreClosedAndCounted() throws {
        let pair = try TestCertificate()
        let metricsPort = try HTTPResponse.freePort()
        let server = try ServerProcess.start(pair.serverArguments + ["--tls-handshake-timeout", "3", "--metrics-port", "\(metricsPort)"])
        let port = try server.tlsPort()
        let plaintext = try LineClient(port: port)
        try plaintext.send("register,Sneaky\n")
        let garbage = try LineClient(port: port)
        try garbage.send(bytes: (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) })
        let stalled = try LineClient(port: port)
        for client in [plaintext, garbage, stalled] {
            _ = try? client.readAllToEOF()  // whatever alert OpenSSL sends, then the end: no hang
        }
        let metrics = try HTTPResponse.get("/metrics", port: metricsPort).body
        #expect(metrics.contains("chat_tls_handshake_failures_total 3"), "\(metrics)")
        let fine = try LineClient(port: port, tls: .v1_3)
        try fine.send("register,Fine\n")
        try fine.expect("ack,Fine")
    }

    @Test func theLineLimitAndTheDrainHoldOverTLS() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments + ["--max-line", "32"])
        let port = try server.tlsPort()
        let busy = try LineClient(port: port, tls: .v1_2)
        let quiet = try LineClient(port: port, tls: .v1_3)
        try busy.send("register,Busy\nping," + String(repeating: "x", count: 100) + "\n")
        try busy.expect(lines: ["ack,Busy", "error,line-too-long,32"])
        #expect(try busy.sync() == [] && quiet.sync() == [])
        server.signal(SIGTERM)
        #expect(try busy.readToEOF() == ["bye,shutdown"])
        #expect(try quiet.readToEOF() == ["bye,shutdown"])
        #expect(try server.waitForExit() == .exit(0))
    }

    @Test func anIdleTLSClientGetsIdleTimeout() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments + ["--idle-timeout", "3"])
        let idle = try LineClient(port: try server.tlsPort(), tls: .v1_3)
        try idle.send("register,Idle\n")
        try idle.expect("ack,Idle")
        #expect(try idle.readToEOF() == ["bye,idle-timeout"])
    }

    @Test func sighupLoadsTheNewCertificateForNewConnectionsOnly() throws {
        let pair = try TestCertificate(commonName: "first")
        let server = try ServerProcess.start(pair.serverArguments)
        let port = try server.tlsPort()
        let early = try LineClient(port: port, tls: .v1_3)
        #expect(early.peerSubject == "/CN=first")
        try early.send("register,Early\n")
        try early.expect("ack,Early")

        try pair.write(commonName: "second")
        server.signal(SIGHUP)
        _ = try server.stderr.waitForLine(timeout: 10) { $0.contains("tls certificate reloaded") }
        let late = try LineClient(port: port, tls: .v1_3)
        #expect(late.peerSubject == "/CN=second")
        #expect(try early.sync() == [], "an open connection stays")

        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: pair.certificate))
        server.signal(SIGHUP)
        let failure = try server.stderr.waitForLine(timeout: 10) { $0.contains("tls reload failed") }
        #expect(failure.contains("level=error"))
        let after = try LineClient(port: port, tls: .v1_3)
        #expect(after.peerSubject == "/CN=second", "a bad file keeps the pair in use")
    }

    @Test func theProbeSpeaksTLSToTheTLSPort() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments)
        let port = try server.tlsPort()
        let probe = try ServerProcess(arguments: ["probe", "--tls", "--port", "\(port)"])
        #expect(try probe.waitForExit() == .exit(0))
        let plainProbe = try ServerProcess(arguments: ["probe", "--port", "\(port)", "--timeout", "1"])
        #expect(try plainProbe.waitForExit() == .exit(1), "a plain probe gets no pong from the TLS port")
        let wrongWay = try ServerProcess(arguments: ["probe", "--tls", "--port", "\(server.port)", "--timeout", "1"])
        #expect(try wrongWay.waitForExit() == .exit(1))
        #expect(wrongWay.stderr.text.contains("TLS handshake failed"), "got \(wrongWay.stderr.text)")
    }

    @Test func aTLSPeerThatEndsItsStreamWithOutputPendingIsFreed() throws {
        let pair = try TestCertificate()
        let server = try ServerProcess.start(pair.serverArguments + ["--max-pending", "0", "--log-level", "debug"])
        let port = try server.tlsPort()
        let reader = try LineClient(port: port, receiveBuffer: 4096, tls: .v1_3)
        try reader.send("register,Reader\n")
        try reader.expect("ack,Reader")
        // Replies pile up in the server while this client reads none, then it ends its stream
        // without close_notify: libevent stops writing there, so the server must not wait to flush.
        try reader.send(String(repeating: "ping,\(String(repeating: "p", count: 100))\n", count: 100_000))
        try reader.halfClose()
        _ = try server.stderr.waitForLine(timeout: 20) { $0.contains("connection closed") }
        let next = try server.registered("Reader")[0]
        #expect(try next.sync() == [], "its name was freed")
    }
}
