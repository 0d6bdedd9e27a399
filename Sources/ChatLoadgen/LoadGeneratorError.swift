import LibeventKit

/// Why a load run could not be set up.
public enum LoadGeneratorError: Error, Equatable, CustomStringConvertible {
    case libevent(LibeventError)
    /// OpenSSL could not make the client context, with its reason.
    case tls(String)
    /// The configuration names no target.
    case noTargets

    public var description: String {
        switch self {
        case .libevent(let error): error.description
        case .tls(let reason): "cannot set up TLS: \(reason)"
        case .noTargets: "no target to connect to"
        }
    }
}
