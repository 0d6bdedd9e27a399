/// Where a node finds Redis: `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var database: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notRedisScheme
        case missingHost
        case badPort(String)
        case badDatabase(String)

        public var description: String {
            switch self {
            case .notRedisScheme: "a Redis address starts with redis://"
            case .missingHost: "a Redis address needs a host: redis://HOST:PORT"
            case .badPort(let port): "not a port: \(port)"
            case .badDatabase(let database): "not a database number: \(database)"
            }
        }
    }

    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL; the port defaults to 6379 and the database to 0.
    public init(url: String) throws(ParseError) {
        guard url.hasPrefix("redis://") else { throw .notRedisScheme }
        var rest = Substring(url.dropFirst("redis://".count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let digits = rest[rest.index(after: slash)...]
            if !digits.isEmpty {
                guard let number = Int(digits), number >= 0 else { throw .badDatabase(String(digits)) }
                database = number
            }
            rest = rest[..<slash]
        }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = credentials[..<colon]
                user = name.isEmpty ? nil : String(name)
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
        }
        var host = rest
        var port = 6379
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.port(after.dropFirst()) }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            port = try Self.port(host[host.index(after: colon)...])
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .missingHost }
        self.init(host: String(host), port: port, user: user, password: password, database: database)
    }

    private static func port(_ text: Substring) throws(ParseError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw .badPort(String(text)) }
        return port
    }

    /// The address without the password, for logs.
    public var description: String {
        let credentials = password == nil ? "" : "\(user ?? ""):***@"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(shownHost):\(port)\(database == 0 ? "" : "/\(database)")"
    }
}
