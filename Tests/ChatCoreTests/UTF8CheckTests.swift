import Testing
@testable import ChatCore

@Suite struct UTF8CheckTests {
    private func valid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { UTF8Check.isValidWithoutNUL($0) }
    }

    /// The reference: the standard library's validation, plus the NUL rule.
    private func reference(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }

    @Test(arguments: ["", "hello", "a longer ASCII line than eight bytes", "héllo", "世界", "😀",
                      "mixed ascii, é, 世, 😀 and more ascii after"])
    func acceptsWellFormedText(_ text: String) {
        #expect(valid(Array(text.utf8)))
    }

    @Test(arguments: [
        [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
    func acceptsTheBoundaryScalars(_ bytes: [UInt8]) {
        #expect(valid(bytes))
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF],                              // overlong two-byte (incl. NUL)
        [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],                  // overlong three-byte
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],      // overlong four-byte
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],                  // surrogates
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF7, 0xBF, 0xBF, 0xBF], // above U+10FFFF
        [0x80], [0xBF], [0x61, 0x80, 0x62],                      // stray continuation bytes
        [0xC3], [0xE4, 0xB8], [0xF0, 0x9F, 0x98],                // truncated at the end
        [0xC3, 0x41], [0xE4, 0x41, 0x96], [0xF0, 0x9F, 0x41, 0x80], // truncated mid-line
        [0xFE], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80],          // never valid
        [0x00], [0x61, 0x00, 0x62],                              // NUL
    ] as [[UInt8]])
    func rejectsMalformedSequencesAndNUL(_ bytes: [UInt8]) {
        #expect(!valid(bytes))
    }

    @Test func rejectsNULAndHighBytesAtEveryPositionOfALongLine() {
        let line = Array("0123456789abcdefghij".utf8)
        for position in line.indices {
            for bad: UInt8 in [0x00, 0x80, 0xFF] {
                var copy = line
                copy[position] = bad
                #expect(!valid(copy), "byte \(bad) at \(position)")
            }
            var twoByte = line
            twoByte.replaceSubrange(position...position, with: [0xC3, 0xA9])
            #expect(valid(twoByte), "é at \(position)")
        }
    }

    @Test func agreesWithTheStandardLibraryOnEveryTwoByteSequence() {
        for first in UInt8.min...UInt8.max {
            for second in UInt8.min...UInt8.max {
                let bytes = [first, second]
                guard valid(bytes) != reference(bytes) else { continue }
                Issue.record("disagrees on \(bytes)")
            }
        }
    }

    @Test func agreesWithTheStandardLibraryOnThreeAndFourByteSequences() {
        for lead: UInt8 in 0xC0...0xFF {
            for second in UInt8.min...UInt8.max {
                for tail: [UInt8] in [[0x80], [0xBF], [0x41], [0x80, 0x80], [0xBF, 0xBF], [0x80, 0x41]] {
                    let bytes = [lead, second] + tail
                    guard valid(bytes) != reference(bytes) else { continue }
                    Issue.record("disagrees on \(bytes)")
                }
            }
        }
    }
}
