/// Strict UTF-8 validation that also rejects NUL, as protocol v1 requires.
///
/// Hand-written because the standard library validates only while building a
/// `String`, which allocates once per line; this runs on every line received,
/// with an 8-byte ASCII fast path.
public enum UTF8Check {
    /// Whether `bytes` is well-formed UTF-8 containing no NUL byte.
    public static func isValidWithoutNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let hasHighBit = word & 0x8080_8080_8080_8080 != 0
                let hasZeroByte = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
                if !hasHighBit && !hasZeroByte {
                    index += 8
                    continue
                }
            }
            let lead = bytes[index]
            if lead == 0 { return false }
            if lead < 0x80 {
                index += 1
                continue
            }
            let continuationCount: Int
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: continuationCount = 1; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: continuationCount = 2; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: continuationCount = 3; scalar = UInt32(lead & 0x07)
            default: return false
            }
            guard index + continuationCount < count else { return false }
            for offset in 1...continuationCount {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(byte & 0x3F)
            }
            switch continuationCount {
            case 2 where scalar < 0x800 || (0xD800...0xDFFF).contains(scalar): return false
            case 3 where scalar < 0x10000 || scalar > 0x10FFFF: return false
            default: break
            }
            index += continuationCount + 1
        }
        return true
    }
}
