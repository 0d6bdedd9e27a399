import Testing
@testable import ChatCore

@Suite struct LineBytesTests {
    private func trimmed(_ text: String) -> String {
        Array(text.utf8).withUnsafeBytes { String(decoding: LineBytes.trimmed($0), as: UTF8.self) }
    }

    @Test(arguments: [("  bob  ", "bob"), ("\tbob\t", "bob"), (" \t b o b \t ", "b o b"), ("bob", "bob"),
                      ("", ""), (" \t ", ""), ("\u{0B}bob\r", "\u{0B}bob\r"), (" é ", "é")])
    func trimsOnlySpacesAndTabs(_ input: String, _ expected: String) {
        #expect(trimmed(input) == expected)
    }

    @Test func firstCommaFindsTheFirstOne() {
        #expect(Array("abc".utf8).withUnsafeBytes { LineBytes.firstComma($0) } == nil)
        #expect(Array("".utf8).withUnsafeBytes { LineBytes.firstComma($0) } == nil)
        #expect(Array(",".utf8).withUnsafeBytes { LineBytes.firstComma($0) } == 0)
        #expect(Array("ab,c,d".utf8).withUnsafeBytes { LineBytes.firstComma($0) } == 2)
    }

    @Test func splitAtCommaKeepsTheTailWhole() {
        let parts = Array("say, lobby ,a, b ".utf8).withUnsafeBytes { bytes in
            let (head, tail) = LineBytes.splitAtComma(bytes)
            return (String(decoding: head, as: UTF8.self), tail.map { String(decoding: $0, as: UTF8.self) })
        }
        #expect(parts.0 == "say")
        #expect(parts.1 == " lobby ,a, b ")
    }

    @Test func splitAtCommaDistinguishesMissingFromEmptyTail() {
        let missing = Array("list".utf8).withUnsafeBytes { LineBytes.splitAtComma($0).tail == nil }
        let empty = Array("list,".utf8).withUnsafeBytes { LineBytes.splitAtComma($0).tail?.count }
        #expect(missing)
        #expect(empty == 0)
    }
}
