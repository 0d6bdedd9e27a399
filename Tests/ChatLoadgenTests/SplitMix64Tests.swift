import Testing
@testable import ChatLoadgen

@Suite struct SplitMix64Tests {
    private func sequence(seed: UInt64, count: Int = 100) -> [UInt64] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in generator.next() }
    }

    @Test func sameSeedGivesSameSequence() {
        #expect(sequence(seed: 42) == sequence(seed: 42))
    }

    @Test func differentSeedsGiveDifferentSequences() {
        let first = sequence(seed: 1), second = sequence(seed: 2)
        #expect(first != second)
        #expect(Set(first).isDisjoint(with: second))
    }

    @Test func matchesTheReferenceOutputForSeedZero() {
        #expect(sequence(seed: 0, count: 3) == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }
}
