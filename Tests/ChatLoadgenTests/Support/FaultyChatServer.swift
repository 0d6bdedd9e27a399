import ChatTestSupport
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A chat server that is wrong on purpose, for the load generator's delivery check to catch.
///
/// It speaks just enough of protocol v1 for `chat-loadgen --mode room` (register, join, say,
/// chat, ping, quit), and of v2 for `--protocol 2` (hello, ids, the sender's own message back) on 127.0.0.1, on one thread of its own with poll(2), and mishandles the
/// `say`s from one user to another as its fault says: the first goes missing, goes twice, or
/// comes after the second; or none arrives, as if the receiver had stopped reading.
/// Everything else it delivers as the real server does.
final class FaultyChatServer: Sendable {
    enum Fault: String, CaseIterable, Sendable {
        /// No fault: the control, which must pass.
        case none
        /// The first `say` from the sender never reaches the receiver.
        case drop
        /// The receiver gets the first `say` from the sender twice.
        case duplicate
        /// The receiver gets the sender's second `say` before its first.
        case swap
        /// The receiver gets none of the sender's `say`s: the server holds them, as it holds
        /// what a receiver that stopped reading has not read (``withheld`` counts them).
        case withhold

        /// The faults of one or two messages, which the delivery check must tell apart.
        static let ofOneMessage: [Fault] = [.none, .drop, .duplicate, .swap]
    }

    let port: Int
    /// The `say`s held back from the receiver so far (`withhold`).
    var withheld: Int { withheldCount.value.load(ordering: .relaxed) }
    private let withheldCount = Counter()

    /// A count the server's thread adds to and the test reads.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
    private let listener: Int32
    private let stopRead: Int32
    private let stopWrite: Int32
    private let stopped = DispatchSemaphore(value: 0)

    /// Listens on a free port of 127.0.0.1 and serves until ``stop()``, with `fault` on what
    /// `sender` says to `receiver`.
    init(fault: Fault, sender: String, receiver: String) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Glibc.bind(socket, address, length) == 0 && listen(socket, 128) == 0
                    && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(socket)
            throw TestFailure("cannot listen: \(String(cString: strerror(errno)))")
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            Glibc.close(socket)
            throw TestFailure("pipe: \(String(cString: strerror(errno)))")
        }
        listener = socket
        stopRead = ends[0]
        stopWrite = ends[1]
        port = Int(UInt16(bigEndian: address.sin_port))
        let (listener, stopRead, stopped, withheldCount) = (listener, stopRead, stopped, withheldCount)
        let thread = Thread {
            var server = Serving(fault: fault, sender: sender, receiver: receiver, withheld: withheldCount)
            server.run(listener: listener, stop: stopRead)
            stopped.signal()
        }
        thread.name = "faulty-chat-server"
        thread.start()
    }

    /// Stops serving, closing every connection; returns once the server's thread is done.
    func stop() {
        var one: UInt8 = 1
        _ = write(stopWrite, &one, 1)
        stopped.wait()
        Glibc.close(listener)
        Glibc.close(stopRead)
        Glibc.close(stopWrite)
    }
}

/// The server's state, on its own thread only.
private struct Serving {
    let fault: FaultyChatServer.Fault
    let sender: String
    let receiver: String
    var input: [Int32: [UInt8]] = [:]
    var names: [Int32: String] = [:]
    var byName: [String: Int32] = [:]
    /// Each room's members, in the order they joined.
    var rooms: [String: [Int32]] = [:]
    /// Protocol v2: the clients that said `hello,2`, and each room's last id.
    var version2: Set<Int32> = []
    var lastIDs: [String: Int] = [:]
    /// `say`s from the sender to the receiver so far, and the one held back (`swap`).
    var faulty = 0
    var held: String?
    let withheld: FaultyChatServer.Counter

    init(fault: FaultyChatServer.Fault, sender: String, receiver: String, withheld: FaultyChatServer.Counter) {
        self.fault = fault
        self.sender = sender
        self.receiver = receiver
        self.withheld = withheld
    }

    mutating func run(listener: Int32, stop: Int32) {
        while true {
            var polled = [pollfd(fd: stop, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            polled += input.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            if polled[0].revents != 0 { break }
            if polled[1].revents != 0 {
                let client = accept(listener, nil, nil)
                if client >= 0 { input[client] = [] }
            }
            for entry in polled.dropFirst(2) where entry.revents != 0 && input[entry.fd] != nil {
                read(from: entry.fd)
            }
        }
        for client in Array(input.keys) { drop(client) }
    }

    private mutating func read(from client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return drop(client) }
        input[client, default: []].append(contentsOf: buffer[..<count])
        while let bytes = input[client], let newline = bytes.firstIndex(of: 0x0A) {
            input[client] = Array(bytes[(newline + 1)...])
            handle(String(decoding: bytes[..<newline], as: UTF8.self), from: client)
            guard input[client] != nil else { return }  // it quit
        }
    }

    private mutating func handle(_ line: String, from client: Int32) {
        let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch fields[0] {
        case "register" where fields.count >= 2:
            names[client] = fields[1]
            byName[fields[1]] = client
            send("ack,\(fields[1])", to: client)
        case "hello" where fields.count == 2:
            if fields[1] != "1" { version2.insert(client) }
            send("hello,\(version2.contains(client) ? 2 : 1)", to: client)
        case "join" where fields.count >= 2:
            rooms[fields[1], default: []].append(client)
            guard version2.contains(client) else { return send("joined,\(fields[1]),\(rooms[fields[1]]!.count)", to: client) }
            send("joined,\(fields[1]),\(rooms[fields[1]]!.count),1,\(lastIDs[fields[1]] ?? 0)", to: client)
            send("replayed,\(fields[1]),0,ok", to: client)
        case "say" where fields.count == 3:
            guard let name = names[client] else { return send("error,not-registered", to: client) }
            lastIDs[fields[1], default: 0] += 1
            let id = lastIDs[fields[1]]!
            for member in rooms[fields[1]] ?? [] where member != client || version2.contains(client) {
                let line = version2.contains(member) ? "msg,\(fields[1]),\(id),1,\(name),\(fields[2])" : "say,\(fields[1]),\(name),\(fields[2])"
                if member == client { send(line, to: member) } else { deliver(line, from: name, to: member) }
            }
        case "chat" where fields.count == 3:
            guard let name = names[client] else { return send("error,not-registered", to: client) }
            guard let recipient = byName[fields[1]] else { return send("error,no-such-user,\(fields[1])", to: client) }
            send("chat,\(name),\(fields[2])", to: recipient)
        case "ping":
            send(fields.count > 1 ? "pong,\(fields.dropFirst().joined(separator: ","))" : "pong", to: client)
        case "quit":
            send("bye,quit", to: client)
            drop(client)
        default:
            send("error,unknown-command,\(fields[0])", to: client)
        }
    }

    /// A `say` line for `member`, with the fault on the sender's first two to the receiver.
    private mutating func deliver(_ line: String, from name: String, to member: Int32) {
        guard name == sender, names[member] == receiver, fault != .none else { return send(line, to: member) }
        faulty += 1
        switch (fault, faulty) {
        case (.withhold, _):
            withheld.value.add(1, ordering: .relaxed)
        case (.drop, 1): return
        case (.duplicate, 1):
            send(line, to: member)
            send(line, to: member)
        case (.swap, 1): held = line
        case (.swap, 2):
            send(line, to: member)
            if let held { send(held, to: member) }
            held = nil
        default: send(line, to: member)
        }
    }

    private func send(_ line: String, to client: Int32) {
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            written += count
        }
    }

    private mutating func drop(_ client: Int32) {
        if let name = names.removeValue(forKey: client), byName[name] == client { byName[name] = nil }
        for room in Array(rooms.keys) { rooms[room]?.removeAll { $0 == client } }
        input[client] = nil
        close(client)
    }
}
