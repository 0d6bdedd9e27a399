/// A libevent resource that could not be set up.
public enum LibeventError: Error, Equatable, CustomStringConvertible {
    case eventBase
    case badAddress(host: String, port: Int)
    case signal(Int32)

    public var description: String {
        switch self {
        case .eventBase: "libevent could not create an event base"
        case .badAddress(let host, let port): "cannot resolve address \(host) port \(port)"
        case .signal(let number): "cannot watch signal \(number)"
        }
    }
}
