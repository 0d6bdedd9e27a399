/// Why the server could not start.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    case eventBase
    case badAddress(host: String, port: Int)
    case cannotListen(address: String, reason: String)
    case signal(Int32)

    public var description: String {
        switch self {
        case .eventBase: "libevent could not create an event base"
        case .badAddress(let host, let port): "cannot resolve address \(host) port \(port)"
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .signal(let number): "cannot watch signal \(number)"
        }
    }
}
