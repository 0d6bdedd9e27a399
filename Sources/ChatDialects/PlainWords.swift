import ChatCore

/// The sentences the dialects answer with where protocol v1 has an error or `bye` code:
/// their clients show text to a person, not codes to a program.
enum PlainWords {
    /// A sentence for a failed command, without a line end.
    static func append(_ code: ErrorCode, detail: UnsafeRawBufferPointer?, to line: inout LineBuilder) {
        let (before, after) = sentence(code)
        line.append(before)
        if let after {
            if let detail { line.append(detail) }
            line.append(after)
        }
    }

    /// The words before and after the error's detail; no `after` for an error that names none.
    private static func sentence(_ code: ErrorCode) -> (StaticString, StaticString?) {
        switch code {
        case .lineTooLong: ("Message too long: at most ", " bytes.")
        case .badUTF8: ("Message dropped: it is not valid UTF-8 text.", nil)
        case .unknownCommand: ("Unknown command: ", ".")
        case .notRegistered: ("Register first: register,<name>.", nil)
        case .badArgs: ("Malformed command: ", ".")
        case .rateLimited: ("Slow down: message dropped.", nil)
        case .alreadyRegistered: ("Already registered as ", ".")
        case .badName: ("Not a usable name: ", " (use 1 to 32 of A-Z a-z 0-9 _ - .).")
        case .nameTaken: ("The name ", " is taken.")
        case .noSuchUser: ("No user by the name <", ">.")
        case .noSuchRoom: ("No room called ", ".")
        case .notInRoom: ("You are not in ", ".")
        case .alreadyInRoom: ("You are already in ", ".")
        case .tooManyRooms: ("You are in too many rooms to join ", ".")
        case .roomsFull: ("The server has too many rooms to open ", ".")
        case .unavailable: ("The chat is unavailable for a moment: try again.", nil)
        }
    }

    /// A sentence for the server closing the connection; false for `quit`, which needs none.
    static func append(_ reason: ByeReason, to line: inout LineBuilder) -> Bool {
        switch reason {
        case .quit: return false
        case .shutdown: line.append("Server shutting down.")
        case .idleTimeout: line.append("Disconnected: nothing received for too long.")
        case .serverFull: line.append("Server full: try again later.")
        case .slowConsumer: line.append("Disconnected: messages were not being read.")
        case .tooManyConnections: line.append("Too many connections from your address.")
        case .registrationTimeout: line.append("Disconnected: no name given in time.")
        case .nameLost: line.append("Disconnected: your name was given to someone else while this server was cut off.")
        }
        return true
    }

    /// A name that cannot be mapped onto the name rules, without a line end.
    static func appendUnusableName(_ given: UnsafeRawBufferPointer, to line: inout LineBuilder) {
        line.append("Not a usable name: ")
        line.append(given)
        line.append(" (use letters, digits, _ - or .).")
    }
}
