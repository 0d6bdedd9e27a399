import ChatCore

/// The sentences the dialects answer with where protocol v1 has an error or `bye` code:
/// their clients show text to a person, not codes to a program.
enum PlainWords {
    /// A sentence for a failed command, without a line end.
    static func append(_ code: ErrorCode, detail: UnsafeRawBufferPointer?, to line: inout LineBuilder) {
        let detail = detail ?? UnsafeRawBufferPointer(start: nil, count: 0)
        switch code {
        case .lineTooLong:
            line.append("Message too long: at most "); line.append(detail); line.append(" bytes.")
        case .badUTF8:
            line.append("Message dropped: it is not valid UTF-8 text.")
        case .unknownCommand:
            line.append("Unknown command: "); line.append(detail); line.append(".")
        case .notRegistered:
            line.append("Register first: register,<name>.")
        case .badArgs:
            line.append("Malformed command: "); line.append(detail); line.append(".")
        case .rateLimited:
            line.append("Slow down: message dropped.")
        case .alreadyRegistered:
            line.append("Already registered as "); line.append(detail); line.append(".")
        case .badName:
            line.append("Not a usable name: "); line.append(detail)
            line.append(" (use 1 to 32 of A-Z a-z 0-9 _ - .).")
        case .nameTaken:
            line.append("The name "); line.append(detail); line.append(" is taken.")
        case .noSuchUser:
            line.append("No user by the name <"); line.append(detail); line.append(">.")
        case .noSuchRoom:
            line.append("No room called "); line.append(detail); line.append(".")
        case .notInRoom:
            line.append("You are not in "); line.append(detail); line.append(".")
        case .alreadyInRoom:
            line.append("You are already in "); line.append(detail); line.append(".")
        case .tooManyRooms:
            line.append("You are in too many rooms to join "); line.append(detail); line.append(".")
        case .roomsFull:
            line.append("The server has too many rooms to open "); line.append(detail); line.append(".")
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
