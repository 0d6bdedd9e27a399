/// One parsed client command. Its byte fields point into the line being handled
/// and are valid only while that line is; names are trimmed but not yet validated.
public enum Command {
    case register(name: UnsafeRawBufferPointer)
    case list
    /// `text` is nil when the field is left out (the recipient then sees `hi`).
    case chat(to: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?)
    /// `resume`: `join,<room>,<epoch>,<after-id>` (protocol v2), the epoch nil when its token
    /// names none of this server's.
    case join(room: UnsafeRawBufferPointer, resume: (epoch: RoomEpoch?, after: Int64)?)
    case say(room: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer)
    case leave(room: UnsafeRawBufferPointer)
    case rooms
    case who(room: UnsafeRawBufferPointer)
    case nick(name: UnsafeRawBufferPointer)
    case quit(text: UnsafeRawBufferPointer?)
    case ping(token: UnsafeRawBufferPointer?)
    case help
    /// `hello,<n>`: the highest protocol version the client speaks, at least 1 (capped).
    case hello(version: Int)
    /// `history,<room>,latest,<limit>`, `...,before,<id>,<limit>` or `...,after,<id>,<limit>`.
    case history(room: UnsafeRawBufferPointer, query: Replay)

    /// Checks the fields after the verb against `verb`'s shape.
    ///
    /// - Parameter arguments: everything after the verb's comma, or nil when the line has no comma.
    /// - Returns: nil when a field is missing, extra, or a name field is empty (`bad-args`).
    public init?(verb: Verb, arguments: UnsafeRawBufferPointer?) {
        switch verb {
        case .register:
            guard let name = Self.singleName(arguments) else { return nil }
            self = .register(name: name)
        case .list:
            if let arguments, LineBytes.firstComma(arguments) != nil { return nil }
            self = .list
        case .chat:
            guard let arguments else { return nil }
            let (head, text) = LineBytes.splitAtComma(arguments)
            let name = LineBytes.trimmed(head)
            guard !name.isEmpty else { return nil }
            self = .chat(to: name, text: text)
        case .join:
            let fields = Self.fields(arguments)
            if fields.count == 3 {
                // The epoch token: 1 to 16 of A-Z a-z 0-9; the id: a whole number.
                guard !fields[0].isEmpty, fields[1].count <= 16, !fields[1].isEmpty,
                      fields[1].allSatisfy({ ChatName.isNameByte($0) && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".") }),
                      let after = Self.wholeNumber(fields[2]) else { return nil }
                self = .join(room: fields[0], resume: (RoomEpoch(token: fields[1]), Int64(after)))
            } else {
                guard let room = Self.singleName(arguments) else { return nil }
                self = .join(room: room, resume: nil)
            }
        case .say:
            guard let arguments else { return nil }
            let (head, text) = LineBytes.splitAtComma(arguments)
            let room = LineBytes.trimmed(head)
            guard let text, !room.isEmpty else { return nil }
            self = .say(room: room, text: text)
        case .leave:
            guard let room = Self.singleName(arguments) else { return nil }
            self = .leave(room: room)
        case .rooms:
            guard arguments == nil else { return nil }
            self = .rooms
        case .who:
            guard let room = Self.singleName(arguments) else { return nil }
            self = .who(room: room)
        case .nick:
            guard let name = Self.singleName(arguments) else { return nil }
            self = .nick(name: name)
        case .quit:
            self = .quit(text: arguments)
        case .ping:
            self = .ping(token: arguments)
        case .help:
            guard arguments == nil else { return nil }
            self = .help
        case .hello:
            guard let field = Self.singleName(arguments), let version = Self.wholeNumber(field), version >= 1 else { return nil }
            self = .hello(version: version)
        case .history:
            let fields = Self.fields(arguments)
            guard fields.count >= 3, !fields[0].isEmpty, let limit = Self.wholeNumber(fields.last!), (1...1000).contains(limit) else {
                return nil
            }
            let kind = fields[1]
            if fields.count == 3 && kind.elementsEqual("latest".utf8) {
                self = .history(room: fields[0], query: .page(limit: limit))
            } else if fields.count == 4, let id = Self.wholeNumber(fields[2]), kind.elementsEqual("before".utf8) {
                self = .history(room: fields[0], query: .before(Int64(id), limit: limit))
            } else if fields.count == 4, let id = Self.wholeNumber(fields[2]), kind.elementsEqual("after".utf8) {
                self = .history(room: fields[0], query: .after(Int64(id), limit: limit))
            } else {
                return nil
            }
        }
    }

    /// Every comma-separated field, each trimmed.
    static func fields(_ arguments: UnsafeRawBufferPointer?) -> [UnsafeRawBufferPointer] {
        guard var rest = arguments else { return [] }
        var fields: [UnsafeRawBufferPointer] = []
        while true {
            let (head, tail) = LineBytes.splitAtComma(rest)
            fields.append(LineBytes.trimmed(head))
            guard let tail else { return fields }
            rest = tail
        }
    }

    /// Decimal digits only, as a number (capped at `Int.max`: any version past 2 is 2).
    static func wholeNumber(_ field: UnsafeRawBufferPointer) -> Int? {
        guard !field.isEmpty else { return nil }
        var value = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            value = overflow ? .max : min(.max - 9, times) + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Exactly one field, non-empty after trimming.
    private static func singleName(_ arguments: UnsafeRawBufferPointer?) -> UnsafeRawBufferPointer? {
        guard let arguments, LineBytes.firstComma(arguments) == nil else { return nil }
        let name = LineBytes.trimmed(arguments)
        return name.isEmpty ? nil : name
    }
}
