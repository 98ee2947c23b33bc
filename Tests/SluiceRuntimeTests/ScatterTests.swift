import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceRuntime

@Suite struct ScatterTests {
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
        let owners = Scatter.partitions(of: batch, keys: ["agent_id"], count: partitions)
        let lists = Scatter.rowsByPartition(of: batch, keys: ["agent_id"], count: partitions)
        #expect(lists.count == partitions)
        for p in 0..<partitions {
            #expect(lists[p] == owners.indices.filter { owners[$0] == Int32(p) }.map { Int32($0) })
        }
        #expect(lists.reduce(0) { $0 + $1.count } == batch.count)
        #expect(lists.filter { !$0.isEmpty }.count > 1)
    }
}
