/// Reading `--host`: a comma-separated list of targets, given once or several times.
extension LoadTarget {

    /// Every target in `arguments` (one per `--host` given, each a comma-separated list), in
    /// order; duplicates stay, as each entry takes its share of the users. A target without
    /// a port gets `defaultPort`.
    public static func parse(_ arguments: [String], defaultPort: Int) throws(LoadTargetError) -> [LoadTarget] {
        var targets: [LoadTarget] = []
        for argument in arguments {
            for entry in argument.split(separator: ",", omittingEmptySubsequences: false) {
                let text = entry.trimmingBlanks
                guard !text.isEmpty else { throw .emptyTarget(argument: argument) }
                targets.append(try parse(target: text, defaultPort: defaultPort))
            }
        }
        guard !targets.isEmpty else { throw .none }
        return targets
    }

    /// One target: `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT`, or a bare IPv6 literal
    /// (two colons or more and no brackets), which cannot carry a port.
    static func parse(target text: String, defaultPort: Int) throws(LoadTargetError) -> LoadTarget {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badBrackets(target: text) }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard !host.isEmpty else { throw .noHost(target: text) }
            guard !host.contains("[") && !host.contains("]") else { throw .badBrackets(target: text) }
            if rest.isEmpty { return LoadTarget(host: host, port: defaultPort) }
            guard rest.hasPrefix(":") else { throw .badBrackets(target: text) }
            return LoadTarget(host: host, port: try port(rest.dropFirst(), of: text))
        }
        guard !text.contains("[") && !text.contains("]") else { throw .badBrackets(target: text) }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 { return LoadTarget(host: text, port: defaultPort) }  // bare IPv6
        guard let colon = text.firstIndex(of: ":") else { return LoadTarget(host: text, port: defaultPort) }
        let host = String(text[..<colon])
        guard !host.isEmpty else { throw .noHost(target: text) }
        return LoadTarget(host: host, port: try port(text[text.index(after: colon)...], of: text))
    }

    /// A port of 1 to 65535 in plain decimal digits (no sign, no blanks).
    private static func port(_ digits: Substring, of target: String) throws(LoadTargetError) -> Int {
        guard (1...5).contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }),
              let port = Int(digits), (1...65535).contains(port) else { throw .badPort(target: target) }
        return port
    }
}

extension Substring {
    /// Without the spaces and tabs around it, so that `a, b` reads as `a,b`.
    fileprivate var trimmingBlanks: String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
