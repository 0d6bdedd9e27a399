/// Why a `--host` argument does not name targets; each case quotes the text at fault, so
/// that a long list's bad entry is found at once.
public enum LoadTargetError: Error, Equatable, CustomStringConvertible {
    /// No argument at all.
    case none
    /// An argument with nothing between two commas, or before or after one.
    case emptyTarget(argument: String)
    /// A port but no host (`:7420`, `[]:7420`).
    case noHost(target: String)
    /// A port that is not a number from 1 to 65535.
    case badPort(target: String)
    /// An IPv6 bracket left open, or followed by something other than `:PORT`.
    case badBrackets(target: String)

    public var description: String {
        switch self {
        case .none: "no target given"
        case .emptyTarget(let argument): "empty target in \"\(argument)\": give HOST or HOST:PORT between the commas"
        case .noHost(let target): "target \"\(target)\" has no host"
        case .badPort(let target): "target \"\(target)\" has a bad port: give 1 to 65535"
        case .badBrackets(let target): "target \"\(target)\": write an IPv6 address as [ADDRESS] or [ADDRESS]:PORT"
        }
    }
}
