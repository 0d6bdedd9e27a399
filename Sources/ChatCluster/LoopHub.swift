import ChatCore
import LibeventKit

/// The shared state of one process's event loops, when `--loops` runs several: what Redis
/// holds for a cluster's nodes, held in memory and changed under one lock by the same
/// commands (``ClusterScripts``' steps, written in Swift), so each loop is a node with its
/// local view and the hub is what joins the views.
///
/// Loops reach it through ``HubConnection``s. A loop hands over a pass's room messages or
/// direct messages as one command, so the lock is taken once per batch, not per message,
/// and a publication is one byte array shared by every loop that subscribes to its channel.
public final class LoopHub: Sendable {
    private let state = Locked(HubState())

    public init() {}

    /// Rooms with members on any loop.
    public var roomCount: Int { state.withLock { $0.rooms.count } }

    /// Registers a connection's inbox; its id names it in subscriptions.
    func attach(_ inbox: HubInbox) -> Int {
        state.withLock { state in
            state.inboxes.append(inbox)
            return state.inboxes.count - 1
        }
    }

    func detach(_ id: Int) {
        state.withLock { state in
            for channel in Array(state.subscriptions.keys) { state.unsubscribe(id, from: channel) }
        }
    }

    func subscribe(_ id: Int, to channel: [UInt8]) {
        state.withLock { state in
            state.subscriptions[channel, default: []].insert(id)
            state.inboxes[id].post(.subscribed(channel), ring: false)
        }
    }

    func unsubscribe(_ id: Int, from channel: [UInt8]) {
        state.withLock { $0.unsubscribe(id, from: channel) }
    }

    /// Runs one command and posts its reply to `id`'s inbox, after the publications it made:
    /// all under the lock, so every subscriber sees one order.
    func execute(_ arguments: [[UInt8]], from id: Int) {
        state.withLock { state in
            state.callerLoop = state.inboxes[id].loopToken
            let reply = state.execute(arguments)
            state.inboxes[id].post(.reply(reply), ring: false)
        }
    }
}

/// The hub's data: the keys of ``ClusterScripts``, as Swift collections.
struct HubState {
    var inboxes: [HubInbox] = []
    var subscriptions: [[UInt8]: Set<Int>] = [:]
    /// Folded name -> holder node and name.
    var users: [ChatName: (node: String, name: ChatName)] = [:]
    var nodeUsers: [String: Set<ChatName>] = [:]
    var userRooms: [ChatName: Set<ChatName>] = [:]
    /// Folded room -> the room as spelled.
    var rooms: [ChatName: ChatName] = [:]
    var members: [ChatName: [ChatName: ChatName]] = [:]
    var logs: [ChatName: [[UInt8]]] = [:]
    var sequences: [ChatName: Int64] = [:]
    var nodes: Set<String> = []
    /// The loop whose command runs: it takes what is posted to it without a wake-up.
    var callerLoop: ObjectIdentifier?

    mutating func unsubscribe(_ id: Int, from channel: [UInt8]) {
        subscriptions[channel]?.remove(id)
        if subscriptions[channel]?.isEmpty == true { subscriptions[channel] = nil }
    }

    func publish(_ channel: String, _ payload: [UInt8]) {
        let channel = Array(channel.utf8)
        for id in subscriptions[channel] ?? [] { inboxes[id].post(.message(channel: channel, payload: payload), ring: inboxes[id].loopToken != callerLoop) }
    }

    mutating func execute(_ arguments: [[UInt8]]) -> RedisReply {
        guard let verb = arguments.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else { return .error("ERR empty") }
        switch verb {
        case "SCRIPT":
            // The digest is the script's own number: the hub runs its Swift twin.
            guard arguments.count == 3, let script = ClusterScripts.Script.allCases.first(where: {
                Array(ClusterScripts.source($0).utf8) == arguments[2]
            }) else { return .error("ERR unknown script") }
            return .string(Array(String(script.rawValue).utf8))
        case "EVALSHA":
            guard arguments.count >= 5, let number = Int(String(decoding: arguments[1], as: UTF8.self)),
                  let script = ClusterScripts.Script(rawValue: number) else { return .error("NOSCRIPT") }
            return run(script, prefix: String(decoding: arguments[3], as: UTF8.self),
                       node: String(decoding: arguments[4], as: UTF8.self), Array(arguments.dropFirst(5)))
        case "HVALS":
            let key = String(decoding: arguments.last ?? [], as: UTF8.self)
            if key.hasSuffix("users") { return .array(users.values.map { .string(Array("\($0.node) \($0.name)".utf8)) }) }
            return .array(rooms.values.map { name in .string(name.withBytes { Array($0) }) })
        default:
            return .status("OK")  // CLIENT SETNAME, AUTH, SELECT: nothing to do in memory
        }
    }

    private static func name(_ bytes: [UInt8]) -> ChatName? { bytes.withUnsafeBytes { ChatName($0) } }
    private static func string(_ name: ChatName) -> RedisReply { .string(name.withBytes { Array($0) }) }

    // MARK: The scripts

    private mutating func run(_ script: ClusterScripts.Script, prefix: String, node: String, _ arguments: [[UInt8]]) -> RedisReply {
        func argument(_ index: Int) -> [UInt8] { index < arguments.count ? arguments[index] : [] }
        switch script {
        case .register:
            guard let folded = Self.name(argument(0)), let name = Self.name(argument(1)) else { return .integer(0) }
            guard users[folded] == nil else { return .integer(0) }
            users[folded] = (node, name)
            nodeUsers[node, default: []].insert(folded)
            return .integer(1)
        case .unregister:
            guard let folded = Self.name(argument(0)) else { return .integer(0) }
            dropUser(node: node, folded, voluntary: argument(1), text: argument(2), prefix: prefix)
            return .integer(1)
        case .rename:
            guard let old = Self.name(argument(0)), let new = Self.name(argument(1)), let spelled = Self.name(argument(2)) else {
                return .integer(0)
            }
            if new != old && users[new] != nil { return .integer(0) }
            guard let held = users[old], held.node == node else { return .integer(-1) }
            users[old] = nil
            users[new] = (node, spelled)
            nodeUsers[node]?.remove(old)
            nodeUsers[node, default: []].insert(new)
            let joined = userRooms.removeValue(forKey: old) ?? []
            if !joined.isEmpty { userRooms[new] = joined }
            for room in joined {
                members[room]?[old] = nil
                members[room]?[new] = spelled
            }
            if !joined.isEmpty {
                publish(prefix + "notices", Array("N \(node) \(held.name) \(spelled) \(Self.list(joined))".utf8))
            }
            return .integer(1)
        case .chat:
            var results: [RedisReply] = []
            var batches: [String: [UInt8]] = [:]
            var index = 0
            while index + 2 < arguments.count {
                defer { index += 3 }
                guard let folded = Self.name(arguments[index]), let held = users[folded] else {
                    results.append(.integer(0))
                    continue
                }
                var line = batches[held.node] ?? Array("C".utf8)
                line.append(UInt8(ascii: "\n"))
                line += arguments[index] + [UInt8(ascii: " ")] + arguments[index + 1] + [UInt8(ascii: " ")] + arguments[index + 2]
                batches[held.node] = line
                results.append(.integer(1))
            }
            for (holder, payload) in batches { publish(prefix + "node:" + holder, payload) }
            return .array(results)
        case .join:
            guard let room = Self.name(argument(0)), let roomName = Self.name(argument(1)),
                  let folded = Self.name(argument(2)), let name = Self.name(argument(3)) else { return .array([.integer(0)]) }
            let maxRooms = Int(String(decoding: argument(4), as: UTF8.self)) ?? 0
            let keep = Int(String(decoding: argument(5), as: UTF8.self)) ?? 0
            if rooms[room] == nil {
                if maxRooms > 0 && rooms.count >= maxRooms { return .array([.integer(0)]) }
                rooms[room] = roomName
            }
            members[room, default: [:]][folded] = name
            userRooms[folded, default: []].insert(room)
            publish(prefix + "room:\(room)", Array("J \(name)".utf8))
            var reply: [RedisReply] = [.integer(1), Self.string(rooms[room]!), .integer(Int64(members[room]!.count)),
                                       .integer(sequences[room] ?? 0)]
            if keep > 0 { reply += (logs[room] ?? []).suffix(keep).map { .string($0) } }
            return .array(reply)
        case .say:
            guard let room = Self.name(argument(0)), rooms[room] != nil else { return .integer(-1) }
            let keep = Int(String(decoding: argument(1), as: UTF8.self)) ?? 1
            let body = argument(2)
            let entries = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            // In place: a copy of the log out of the dictionary would copy the whole log per batch.
            logs[room, default: []].append(contentsOf: entries.map { Array($0) })
            if let count = logs[room]?.count, count > keep { logs[room]!.removeFirst(count - keep) }
            let last = (sequences[room] ?? 0) + Int64(entries.count)
            sequences[room] = last
            publish(prefix + "room:\(room)", Array("S \(last - Int64(entries.count) + 1)\n".utf8) + body)
            return .integer(last)
        case .leave:
            guard let room = Self.name(argument(0)), let folded = Self.name(argument(1)), let name = Self.name(argument(2)) else {
                return .integer(0)
            }
            userRooms[folded]?.remove(room)
            guard members[room]?[folded] != nil else { return .integer(0) }
            if !dropMember(room, folded) { publish(prefix + "room:\(room)", Array("L \(name)".utf8)) }
            return .integer(1)
        case .who:
            guard let room = Self.name(argument(0)), let spelled = rooms[room] else { return .array([]) }
            return .array([Self.string(spelled)] + (members[room] ?? [:]).values.map(Self.string))
        case .tail:
            guard let room = Self.name(argument(0)) else { return .array([.integer(0)]) }
            return .array([.integer(sequences[room] ?? 0)] + (logs[room] ?? []).map { .string($0) })
        case .heartbeat:
            // The loops of one process live and die together: no one is ever reaped.
            let known = nodes.contains(node)
            nodes.insert(node)
            return .array([.integer(known ? 1 : 0), .integer(Int64(nodes.count)), .integer(0)])
        case .leaveCluster:
            for folded in nodeUsers[node] ?? [] { dropUser(node: node, folded, voluntary: Array("x".utf8), text: Array("-".utf8), prefix: prefix) }
            nodeUsers[node] = nil
            nodes.remove(node)
            return .integer(1)
        case .repair:
            return .array([])  // the hub never loses a loop's view
        }
    }

    /// Takes `folded` out of `room`; true when the room emptied and went.
    private mutating func dropMember(_ room: ChatName, _ folded: ChatName) -> Bool {
        members[room]?[folded] = nil
        guard members[room]?.isEmpty ?? true else { return false }
        members[room] = nil
        rooms[room] = nil
        logs[room] = nil
        sequences[room] = nil
        return true
    }

    private mutating func dropUser(node: String, _ folded: ChatName, voluntary: [UInt8], text: [UInt8], prefix: String) {
        nodeUsers[node]?.remove(folded)
        guard let held = users[folded], held.node == node else { return }
        let joined = userRooms.removeValue(forKey: folded) ?? []
        for room in joined { _ = dropMember(room, folded) }
        users[folded] = nil
        guard !joined.isEmpty, voluntary != [UInt8(ascii: "s")] else { return }
        publish(prefix + "notices", Array("Q \(node) \(held.name) ".utf8) + voluntary
                + Array(" \(Self.list(joined)) ".utf8) + text)
    }

    private static func list(_ rooms: Set<ChatName>) -> String {
        rooms.map(\.description).joined(separator: ",")
    }
}
