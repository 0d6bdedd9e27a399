import ChatStore
import LibeventKit

/// Why the server could not start.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    case libevent(LibeventError)
    case cannotListen(address: String, reason: String)
    /// A certificate or key that OpenSSL cannot use.
    case tls(String)
    /// `--dialect-room` breaks the name rules.
    case badDialectRoom(String)
    /// The store's directory or database cannot be used.
    case store(StoreError)

    public var description: String {
        switch self {
        case .libevent(let error): error.description
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .tls(let reason): "TLS: \(reason)"
        case .badDialectRoom(let room): "--dialect-room \(room) is not a room name (1 to 32 of A-Z a-z 0-9 _ - .)"
        case .store(let error): "cannot use the store at \(error.path): \(error.cause)"
        }
    }
}
