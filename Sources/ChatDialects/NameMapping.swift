import ChatCore

/// How a classic client's free-form nickname becomes a name under protocol v1's rules
/// (1 to 32 of `A-Z a-z 0-9 _ - .`), the same way every time.
///
/// Spaces, tabs and line ends around it are dropped; so is any other character
/// outside the name alphabet at either end; inside, each run of such characters
/// becomes one `_`; then the first 32 bytes are kept. `Jane Doe` is `Jane_Doe`,
/// `(Zoë)` is `Zo`, `127.0.0.1:5000` is `127.0.0.1_5000`. Nothing left means the
/// nickname cannot be mapped.
public enum NameMapping {
    public static func map(_ given: UnsafeRawBufferPointer) -> ChatName? {
        var mapped: [UInt8] = []
        mapped.reserveCapacity(min(given.count, ChatName.maxLength))
        var pendingSeparator = false
        for byte in given {
            guard isNameByte(byte) else {
                pendingSeparator = !mapped.isEmpty
                continue
            }
            if pendingSeparator {
                mapped.append(UInt8(ascii: "_"))
                pendingSeparator = false
            }
            mapped.append(byte)
            if mapped.count >= ChatName.maxLength { break }
        }
        return mapped.withUnsafeBytes { ChatName(UnsafeRawBufferPointer(rebasing: $0.prefix(ChatName.maxLength))) }
    }

    public static func map(_ given: String) -> ChatName? {
        var given = given
        return given.withUTF8 { map(UnsafeRawBufferPointer($0)) }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}
