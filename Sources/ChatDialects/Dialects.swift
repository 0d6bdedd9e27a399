import ChatCore

/// The dialects' formats for a registry and a fresh edge for each connection.
public final class Dialects {
    /// The room that chat-room and telnet users are in (`--dialect-room`).
    public let room: ChatName
    private let classic = ClassicFormat()
    private let nickname = NicknameFormat()
    private let telnet: TelnetFormat

    /// - Parameter clock: wall-clock milliseconds, for the telnet dialect's time stamps.
    public init(room: ChatName, clock: @escaping () -> Int64) {
        self.room = room
        telnet = TelnetFormat(clock: clock)
    }

    /// The formats to give a ``Registry`` after v1 and v2, so that ``Dialect/formatID`` names them.
    public var formats: [any EventFormat] {
        Dialect.allCases.map { dialect -> any EventFormat in
            switch dialect {
            case .classic: classic
            case .nickname: nickname
            case .telnet: telnet
            }
        }
    }

    /// The edge for a new connection of `dialect` from `host`:`port`.
    public func makeEdge(_ dialect: Dialect, host: String, port: Int) -> any DialectEdge {
        switch dialect {
        case .classic: ClassicEdge()
        case .nickname: NicknameEdge(room: room)
        case .telnet: TelnetEdge(room: room, host: host, port: port, format: telnet)
        }
    }
}
