import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct BatchPartitioningTests {
    /// A batch of every column type, with nulls in two of them.
    static func sample(rows: Int, rng: inout SplitMix64) -> Batch {
        let schema = Schema([
            Field("agent_id", .string, nullable: true), Field("n", .int64, nullable: false),
            Field("v", .double, nullable: true), Field("ok", .bool, nullable: false),
            Field("ts", .timestamp, nullable: false),
        ])
        let agents: [String?] = (0..<rows).map { _ in rng.next() % 7 == 0 ? nil : "agent-\(rng.next() % 50)" }
        let valid = (0..<rows).map { _ in rng.next() % 5 != 0 }
        return Batch(
            schema: schema,
            columns: [
                Column(strings: agents),
                Column(ints: (0..<rows).map { Int64($0) }),
                Column(doubles: (0..<rows).map { Double($0) / 4 }, validity: valid),
                Column(bools: (0..<rows).map { $0 % 3 == 0 }),
                Column(ints: (0..<rows).map { 1_000 + Int64($0) }, type: .timestamp),
            ], count: rows)
    }

    @Test(arguments: [2, 3, 16])
    func everyRowLandsInItsPartitionInOrder(partitions: Int) {
        var rng = SplitMix64(seed: UInt64(partitions))
        let batch = Self.sample(rows: 1_000, rng: &rng)
        let owners = (0..<batch.count).map { _ in Int32(rng.next() % UInt64(partitions)) }
        let parts = owners.withUnsafeBufferPointer { batch.partitioned(owners: $0, count: partitions) }
        #expect(parts.count == partitions)
        for p in 0..<partitions {
            // The reference: the rows this partition owns, gathered in their order.
            let expected = batch.gather(owners.indices.filter { owners[$0] == Int32(p) }.map { Int32($0) })
            #expect(parts[p].count == expected.count)
            for column in 0..<batch.schema.count {
                for row in 0..<expected.count {
                    #expect(parts[p].value(row: row, column: column) == expected.value(row: row, column: column))
                }
            }
        }
    }

    @Test func aBatchOwnedByOnePartitionIsPassedWhole() {
        var rng = SplitMix64(seed: 9)
        let batch = Self.sample(rows: 64, rng: &rng)
        let owners = [Int32](repeating: 2, count: batch.count)
        let parts = owners.withUnsafeBufferPointer { batch.partitioned(owners: $0, count: 4) }
        #expect(parts.map(\.count) == [0, 0, 64, 0])
        #expect(parts[2].columns[1].ints == batch.columns[1].ints)
    }
}
