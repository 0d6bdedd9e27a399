/// The twelve verbs of protocol v1, and those of version 2 so far.
public enum Verb: UInt8, CaseIterable, Sendable {
    case register, list, chat, join, say, leave, rooms, who, nick, quit, ping, help, hello, history

    /// The verb as the protocol spells it, lower case.
    public var spelling: StaticString {
        switch self {
        case .register: "register"
        case .list: "list"
        case .chat: "chat"
        case .join: "join"
        case .say: "say"
        case .leave: "leave"
        case .rooms: "rooms"
        case .who: "who"
        case .nick: "nick"
        case .quit: "quit"
        case .ping: "ping"
        case .help: "help"
        case .hello: "hello"
        case .history: "history"
        }
    }

    /// Whether the verb exists only for a connection that said `hello,2` (before it, it is
    /// an unknown command, as in version 1).
    public var needsVersion2: Bool { self == .history }

    /// Whether the verb needs a registered connection (`ping`, `help`, `quit` and `register` do not).
    public var needsRegistration: Bool {
        switch self {
        case .register, .quit, .ping, .help, .hello: false
        default: true
        }
    }

    /// Matches an already-trimmed verb ASCII case-insensitively, without allocating.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        // Pack up to 8 lower-cased bytes into one word; every verb fits.
        guard bytes.count >= 3, bytes.count <= 8 else { return nil }
        var packed: UInt64 = 0
        for (shift, byte) in bytes.enumerated() {
            packed |= UInt64(byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte) << (8 * UInt64(shift))
        }
        // Trailing NUL bytes pack like no bytes at all: the length must match too.
        guard let verb = Verb.byPackedSpelling[packed], bytes.count == verb.spelling.utf8CodeUnitCount else { return nil }
        self = verb
    }

    private static let byPackedSpelling: [UInt64: Verb] = {
        var table: [UInt64: Verb] = [:]
        for verb in Verb.allCases {
            var packed: UInt64 = 0
            let spelling = verb.spelling
            for index in 0..<spelling.utf8CodeUnitCount {
                packed |= UInt64(spelling.utf8Start[index]) << (8 * UInt64(index))
            }
            table[packed] = verb
        }
        return table
    }()
}
