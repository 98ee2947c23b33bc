import SluiceConnectors
import SluiceCore
import Testing

@Suite struct GeneratorDAADeterminismTests {
    private func options(seed: UInt64 = 42, count: Int = 12_000, splits: Int = 1, batchRows: Int = 4096) -> DAAGeneratorOptions {
        DAAGeneratorOptions(seed: seed, agents: 300, limit: .count(count), splits: splits, batchRows: batchRows)
    }

    @Test func sameOptionsGiveIdenticalRows() throws {
        let first = try GeneratorRead.batches(DAAGeneratorSource(options: options()))
        let second = try GeneratorRead.batches(DAAGeneratorSource(options: options()))
        #expect(first.reduce(0) { $0 + $1.count } == 12_000)
        #expect(GeneratorRead.table(first) == GeneratorRead.table(second))
        #expect(first.first?.schema == DAA.schema)
    }

    @Test func batchSizesDoNotChangeTheRows() throws {
        let big = try GeneratorRead.batches(DAAGeneratorSource(options: options(batchRows: 4096)), maxRows: 5000)
        let small = try GeneratorRead.batches(DAAGeneratorSource(options: options(batchRows: 97)), maxRows: 4096)
        let tiny = try GeneratorRead.batches(DAAGeneratorSource(options: options(batchRows: 4096)), maxRows: 13)
        #expect(small.allSatisfy { $0.count <= 97 })
        #expect(tiny.allSatisfy { $0.count <= 13 })
        let expected = GeneratorRead.table(big)
        #expect(GeneratorRead.table(small) == expected)
        #expect(GeneratorRead.table(tiny) == expected)
    }

    @Test func differentSeedsGiveDifferentStreams() throws {
        let a = try GeneratorRead.batches(DAAGeneratorSource(options: options(seed: 1, count: 2000)))
        let b = try GeneratorRead.batches(DAAGeneratorSource(options: options(seed: 2, count: 2000)))
        #expect(GeneratorRead.values(a, "type") != GeneratorRead.values(b, "type"))
        #expect(GeneratorRead.strings(a, "id").first == "g1-0-0")
        #expect(GeneratorRead.strings(b, "id").first == "g2-0-0")
    }

    @Test(arguments: [0, 1, 7, 19])
    func resumingAfterAPositionGivesExactlyTheRemainingEvents(batchesBefore: Int) throws {
        let source = try DAAGeneratorSource(options: options(count: 10_000, splits: 2, batchRows: 250))
        let full = try GeneratorRead.batches(source, split: 1)
        #expect(full.count == 20)
        let position = try #require(full[batchesBefore].position)
        #expect(position == SourcePosition(source: "daa", split: 1, offset: Int64(250 * (batchesBefore + 1))))
        let rest = try GeneratorRead.batches(source, split: 1, after: position)
        #expect(GeneratorRead.table(rest) == GeneratorRead.table(Array(full[(batchesBefore + 1)...])))
        if batchesBefore + 1 < full.count { #expect(rest.last?.position == full.last?.position) } else { #expect(rest.isEmpty) }
    }

    @Test func aResumedSplitAtItsEndEndsAndForeignPositionsAreRejected() throws {
        let source = try DAAGeneratorSource(options: options(count: 1000))
        let reader = try source.openSplit(0, resumingAfter: SourcePosition(source: "daa", split: 0, offset: 1000))
        guard case .end = try reader.next(maxRows: 100) else {
            Issue.record("a split resumed at its end must report .end")
            return
        }
        #expect(throws: SluiceError.self) {
            try source.openSplit(0, resumingAfter: SourcePosition(source: "other", split: 0, offset: 1))
        }
        #expect(throws: SluiceError.self) {
            try source.openSplit(0, resumingAfter: SourcePosition(source: "daa", split: 0, offset: 1001))
        }
        #expect(throws: SluiceError.self) { try source.openSplit(1, resumingAfter: nil) }
    }

    @Test func splitsCarryDisjointAgentsAndShareTheCount() throws {
        let source = try DAAGeneratorSource(options: options(count: 10_000, splits: 3))
        #expect(source.splitCount == 3)
        var allIds = Set<String>()
        var total = 0
        var duplicates = 0
        for split in 0..<3 {
            let batches = try GeneratorRead.batches(source, split: split)
            let agents = GeneratorRead.strings(batches, "agent_id").map { Int($0!.dropFirst("agent-".count))! }
            #expect(agents.allSatisfy { $0 % 3 == split })
            #expect(Set(agents).count == 100, "every agent of the split shows up")
            let ids = GeneratorRead.strings(batches, "id").map { $0! }
            #expect(ids.allSatisfy { $0.hasPrefix("g42-\(split)-") })
            duplicates += ids.count - Set(ids).count
            allIds.formUnion(ids)
            total += ids.count
        }
        #expect(total == 10_000)
        #expect(allIds.count == total - duplicates)
    }

    @Test func invalidOptionsAreRejected() {
        #expect(throws: SluiceError.self) { try DAAGeneratorSource(options: DAAGeneratorOptions(agents: 0)) }
        #expect(throws: SluiceError.self) { try DAAGeneratorSource(options: DAAGeneratorOptions(agents: 2, splits: 3)) }
        #expect(throws: SluiceError.self) { try DAAGeneratorSource(options: DAAGeneratorOptions(eventsPerSecond: 0)) }
        #expect(throws: SluiceError.self) { try DAAGeneratorSource(options: DAAGeneratorOptions(duplicateFraction: 2)) }
        #expect(throws: SluiceError.self) { try DAAGeneratorSource(options: DAAGeneratorOptions(limit: .count(-1))) }
    }
}
