import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceRuntime

@Suite struct ScatterTests {
    /// `body` with an empty cache: every dictionary hashed afresh.
    private func fresh<T>(_ body: (inout DictionaryHashes<String>) -> T) -> T {
        var cache = DictionaryHashes<String>()
        return body(&cache)
    }

    /// The row lists a source hands to partitions hold exactly the rows each partition owns,
    /// ascending, for the two-partition fast path and the general one.
    @Test(arguments: [2, 3, 16])
    func rowListsMatchTheOwners(partitions: Int) {
        var rng = SplitMix64(seed: UInt64(partitions))
        let schema = Schema([Field("agent_id", .string, nullable: true), Field("n", .int64)])
        let rows: [[String: Value]] = (0..<2_000).map { i in
            let agent: Value = rng.next() % 9 == 0 ? .null : .string("agent-\(rng.next() % 300)")
            return ["agent_id": agent, "n": .int(Int64(i))]
        }
        let batch = EventFactory.batch(rows, schema: schema)
        let owners = fresh { Scatter.partitions(of: batch, keys: ["agent_id"], count: partitions, cache: &$0) }
        let lists = fresh { Scatter.rowsByPartition(of: batch, keys: ["agent_id"], count: partitions, cache: &$0) }
        #expect(lists.count == partitions)
        for p in 0..<partitions {
            #expect(lists[p] == owners.indices.filter { owners[$0] == Int32(p) }.map { Int32($0) })
        }
        #expect(lists.reduce(0) { $0 + $1.count } == batch.count)
        #expect(lists.filter { !$0.isEmpty }.count > 1)
    }

    /// Hashes kept between batches are the hashes computed afresh, whatever the next
    /// batch's dictionary is: the very same one, one that grew from it (a decoder's
    /// settled table taking a new string), another of the same size, a shorter one,
    /// two decoders' dictionaries in turn, more dictionaries than are kept, and one that
    /// "extends" another only up to Unicode equivalence.
    @Test func keptDictionaryHashesEqualFreshOnes() {
        let schema = Schema([Field("agent_id", .string, nullable: true), Field("metric", .string)])
        func batch(_ dictionary: [String], rows: Int, seed: UInt64) -> Batch {
            var rng = SplitMix64(seed: seed)
            var agents = Column(codes: [], dictionary: dictionary, validity: [])
            agents.codes = (0..<rows).map { _ in UInt32(rng.next() % UInt64(dictionary.count)) }
            agents.validity = (0..<rows).map { _ in rng.next() % 7 != 0 }
            let metrics = Column(codes: (0..<rows).map { UInt32($0 % 2) }, dictionary: ["cpu", "latency_ms"])
            return Batch(schema: schema, columns: [agents, metrics], count: rows)
        }
        let settled = (0..<500).map { "agent-\($0)" }
        var grown = settled
        grown.append(contentsOf: ["agent-new-1", "agent-new-2"])
        let sameSize = (0..<500).map { "other-\($0)" }
        // The same text in NFC and NFD: equal as Swift strings, different bytes and hashes.
        let composed = ["caf\u{E9}", "b"]
        let decomposed = ["cafe\u{301}", "b", "c"]
        let others = (0..<6).map { k in (0..<50).map { "k\(k)-\($0)" } }
        let dictionaries =
            [settled, settled, grown, grown, sameSize, grown, Array(settled.prefix(7)), settled, sameSize, settled, sameSize]
            + others + others.reversed() + [grown, composed, decomposed]
        var cache = DictionaryHashes<String>()
        for (i, dictionary) in dictionaries.enumerated() {
            let b = batch(dictionary, rows: 1_000, seed: UInt64(i))
            let kept = Scatter.rowHashes(of: b, keys: ["agent_id", "metric"], cache: &cache)
            #expect(kept == fresh { Scatter.rowHashes(of: b, keys: ["agent_id", "metric"], cache: &$0) }, "batch \(i)")
            #expect(
                Scatter.rowsByPartition(of: b, keys: ["agent_id"], count: 3, cache: &cache)
                    == fresh { Scatter.rowsByPartition(of: b, keys: ["agent_id"], count: 3, cache: &$0) }, "batch \(i)")
        }
    }
}
