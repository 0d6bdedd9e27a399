#if canImport(Glibc)
import Glibc
#endif

/// One blocking round trip for the probe: connect, `ping,probe`, wait for `pong,probe`.
enum ProbeConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func ping(host: String, port: Int, timeout: Double) -> Result<Void, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            return .failure(Failure(description: "cannot resolve \(host)"))
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        defer { close(socket) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            return .failure(Failure(description: String(cString: strerror(errno))))
        }
        let request = Array("ping,probe\n".utf8)
        guard send(socket, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            return .failure(Failure(description: "cannot send: \(String(cString: strerror(errno)))"))
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while !received.contains(UInt8(ascii: "\n")) && received.count < 4096 {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                return .failure(Failure(description: count == 0 ? "closed before answering" : "no answer: \(String(cString: strerror(errno)))"))
            }
            received.append(contentsOf: buffer[..<count])
        }
        let line = received.prefix { $0 != UInt8(ascii: "\n") }
        guard line.elementsEqual("pong,probe".utf8) else {
            return .failure(Failure(description: "unexpected answer: \(String(decoding: line, as: UTF8.self))"))
        }
        return .success(())
    }
}
