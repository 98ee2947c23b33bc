import SluiceCore
import SluiceTestSupport
import Testing

/// `Batch.records` follows the rows that select or reorder, and is dropped by what changes a row.
@Suite struct RawRecordsTests {
    /// Rows `n = 0..<rows`, record `n` is the text "record n".
    static func sample(rows: Int) -> Batch {
        var batch = Batch(
            schema: Schema([Field("n", .int64, nullable: false)]), columns: [Column(ints: (0..<rows).map { Int64($0) })],
            count: rows)
        var bytes: [UInt8] = Array("junk".utf8)  // records need not start at 0 nor be adjacent
        var spans: [RawRecords.Span] = []
        for n in 0..<rows {
            let text = Array("record \(n)".utf8)
            spans.append(RawRecords.Span(start: UInt32(bytes.count), length: UInt32(text.count)))
            bytes += text + [0x2C]
        }
        batch.records = RawRecords(bytes: bytes, spans: spans)
        return batch
    }

    /// Each row's record names the row's `n`.
    static func consistent(_ batch: Batch) -> Bool {
        guard let records = batch.records, records.count == batch.count else { return false }
        var texts: [String] = []
        records.forEach { texts.append(String(decoding: $0, as: UTF8.self)) }
        return texts == batch.columns[0].ints.map { "record \($0)" }
    }

    @Test(arguments: [2, 3, 5])
    func partitionedGatheredSlicedAndConcatenatedRowsKeepTheirRecords(partitions: Int) {
        var rng = SplitMix64(seed: UInt64(partitions))
        let batch = Self.sample(rows: 777)
        let owners = (0..<batch.count).map { _ in Int32(rng.next() % UInt64(partitions)) }
        let parts = owners.withUnsafeBufferPointer { batch.partitioned(owners: $0, count: partitions) }
        #expect(parts.allSatisfy(Self.consistent))
        #expect(Self.consistent(batch.gather([5, 3, 700, 3])))
        #expect(Self.consistent(batch.filter((0..<777).map { $0 % 3 == 1 })))
        #expect(Self.consistent(batch.slice(100..<250)))
        #expect(Self.consistent(parts[0].appending(parts[1])))
        let joined = Batch.concat(parts, schema: batch.schema)
        #expect(Self.consistent(joined) && joined.count == 777)
        var lines: [UInt8] = []
        batch.slice(0..<2).records?.appendLines(to: &lines)
        #expect(String(decoding: lines, as: UTF8.self) == "record 0\nrecord 1\n")
    }

    @Test func changedRowsLoseTheirRecords() {
        var batch = Self.sample(rows: 10)
        #expect(batch.project(["n"]).records == nil)
        #expect(Batch.concat([batch, Batch(schema: batch.schema, columns: [Column(ints: [1])], count: 1)], schema: batch.schema).records == nil)
        batch.setColumn(Field("n", .int64, nullable: false), Column(ints: Array(repeating: 0, count: 10)))
        #expect(batch.records == nil)
    }
}
