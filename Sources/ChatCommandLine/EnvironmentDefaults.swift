/// Lets every `--flag` also come from an environment variable (`CHAT_FLAG`),
/// so a container can be configured without a shell. A flag on the command line wins.
public enum EnvironmentDefaults {
    /// The variable that stands for `flag`: `--max-line` is `CHAT_MAX_LINE`.
    public static func variable(for flag: String) -> String {
        "CHAT_" + flag.drop { $0 == "-" }.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `arguments` with `--flag=value` appended for each of `flags` that is
    /// absent from them and set in `environment`.
    public static func merge(arguments: [String], flags: [String], environment: [String: String]) -> [String] {
        var merged = arguments
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let given = arguments[..<end]
        for flag in flags {
            let present = given.contains { $0 == flag || $0.hasPrefix(flag + "=") }
            if !present, let value = environment[variable(for: flag)] {
                merged.insert("\(flag)=\(value)", at: merged.firstIndex(of: "--") ?? merged.endIndex)
            }
        }
        return merged
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
