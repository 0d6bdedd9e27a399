import Testing
import ChatCore
import ChatDialects

/// ``NameMapping``: free-form nicknames onto protocol v1's name rules.
@Suite struct NameMappingTests {
    @Test(arguments: [
        ("Jane Doe", "Jane_Doe"),
        ("  Zak \r\n", "Zak"),
        ("\tZak\t", "Zak"),
        ("(Zoë)", "Zo"),
        ("127.0.0.1:5000", "127.0.0.1_5000"),
        ("a  b!!c", "a_b_c"),
        ("a \t\r\nb", "a_b"),
        ("_x_", "_x_"),
        ("Jane", "Jane"),
        ("a-b.c_d", "a-b.c_d"),
        ("Zoë Smith", "Zo_Smith"),
    ])
    func mapsToTheExpectedName(given: String, expected: String) {
        #expect(NameMapping.map(given)?.description == expected)
    }

    @Test(arguments: ["***", "", "   ", "\r\n", "ëë", "(!)"])
    func nothingLeftMapsToNil(given: String) {
        #expect(NameMapping.map(given) == nil)
    }

    @Test func keepsTheFirst32BytesOfALongName() {
        let letters = String(repeating: "abcdefghij", count: 4)  // 40 letters
        #expect(NameMapping.map(letters)?.description == String(letters.prefix(32)))
    }

    @Test func keepsTheFirst32BytesOfTheMappedName() {
        let given = String(repeating: "ab ", count: 20)  // "ab_ab_..." once mapped
        let mapped = NameMapping.map(given)
        #expect(mapped?.count == 32)
        #expect(mapped?.description == String(String(repeating: "ab_", count: 11).prefix(32)))
    }

    @Test func theBytesAndStringFormsAgree() {
        let given = "  (Jane  Doe)!! "
        let fromBytes = Array(given.utf8).withUnsafeBytes { NameMapping.map($0) }
        #expect(fromBytes == NameMapping.map(given))
        #expect(fromBytes?.description == "Jane_Doe")
    }

    @Test func theResultIsAlwaysAValidName() {
        for given in ["Jane Doe", "127.0.0.1:5000", "a  b!!c", String(repeating: "x!", count: 40)] {
            let mapped = NameMapping.map(given)
            #expect(mapped.map { ChatName($0.description) != nil } == true, "\(given.debugDescription)")
        }
    }
}
