import Testing
@testable import ChatCore

@Suite struct ChatNameTests {
    static let thirtyTwo = String(repeating: "a", count: 32)

    @Test(arguments: ["a", "Z", "0", "_", "-", ".", "Bob", "A-Z_a-z.0-9", "...", thirtyTwo])
    func acceptsNamesOfTheAllowedSet(_ text: String) throws {
        let name = try #require(ChatName(text))
        #expect(name.description == text)
        #expect(name.count == text.utf8.count)
        #expect(name.withBytes { Array($0) } == Array(text.utf8))
    }

    @Test(arguments: ["", thirtyTwo + "a", "bad name", "bob!", "a,b", "tab\t", "Bøb", "名前", "😀", "é",
                      "nul\u{0}", "a/b", "a:b", "a@b", "a[b", "a`b", "a{b", "a~b", "a+b", "a\u{7F}"])
    func rejectsEverythingElse(_ text: String) {
        #expect(ChatName(text) == nil)
    }

    @Test func acceptsEveryAllowedByteAndNoOther() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.".utf8)
        for byte in UInt8.min...UInt8.max {
            let accepted = [byte].withUnsafeBytes { ChatName($0) } != nil
            #expect(accepted == allowed.contains(byte), "byte \(byte)")
        }
    }

    @Test func lengthBoundsAreOneToThirtyTwoBytes() {
        #expect(ChatName.maxLength == 32)
        for length in 0...40 {
            let valid = ChatName(String(repeating: "x", count: length)) != nil
            #expect(valid == (1...32).contains(length), "length \(length)")
        }
    }

    @Test func equalityIsByteExact() throws {
        let bob = try #require(ChatName("Bob"))
        #expect(bob == ChatName("Bob"))
        #expect(bob != ChatName("bob"))
        #expect(bob != ChatName("Bo"))
        #expect(bob != ChatName("Bobb"))
        #expect(Set([bob, try #require(ChatName("Bob")), try #require(ChatName("BOB"))]).count == 2)
    }

    @Test func foldedLowercasesOnlyASCIILetters() throws {
        let name = try #require(ChatName("AbZ-_.09az"))
        #expect(name.folded.description == "abz-_.09az")
        #expect(name.folded.count == name.count)
        #expect(try #require(ChatName("BOB")).folded == ChatName("bob"))
        #expect(try #require(ChatName("bob")).folded == ChatName("bob"))
        #expect(name.description == "AbZ-_.09az", "folding returns a copy")
    }

    @Test func foldedKeysMatchAcrossSpellings() throws {
        let spellings = ["jane", "Jane", "JANE", "jAnE"].compactMap(ChatName.init)
        #expect(spellings.count == 4)
        #expect(Set(spellings.map(\.folded)).count == 1)
        #expect(Set(spellings).count == 4)
    }

    @Test func fullLengthNamesKeepEveryByte() throws {
        let first = try #require(ChatName(String(repeating: "a", count: 31) + "b"))
        let second = try #require(ChatName(String(repeating: "a", count: 31) + "c"))
        #expect(first != second)
        #expect(first.description.last == "b")
        #expect(second.description.last == "c")
    }
}
