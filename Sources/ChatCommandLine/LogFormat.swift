import ArgumentParser
import Logging

/// How log lines are written: `text` (key=value, for people) or `json` (one object a line).
public enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text
    case json
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
