import LibeventKit

/// Why the server could not start.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    case libevent(LibeventError)
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .libevent(let error): error.description
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        }
    }
}
