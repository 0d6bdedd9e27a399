/// One parsed client command. Its byte fields point into the line being handled
/// and are valid only while that line is; names are trimmed but not yet validated.
public enum Command {
    case register(name: UnsafeRawBufferPointer)
    case list
    /// `text` is nil when the field is left out (the recipient then sees `hi`).
    case chat(to: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer?)
    case join(room: UnsafeRawBufferPointer)
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
            guard let room = Self.singleName(arguments) else { return nil }
            self = .join(room: room)
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
