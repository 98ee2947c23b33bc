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

    /// Lines that follow each other in the buffer are appended as runs; the result is
    /// each record and `\n` whatever the layout (`\r\n` lines, gaps, reordering).
    @Test func appendLinesGivesEachRecordThenANewline() {
        let text = Array("a1\nbb2\r\nccc3\nd4\n\ne5\nf6".utf8)
        // Records as a decoder keeps them (no terminators), then picked in other orders.
        let spans: [RawRecords.Span] = [(0, 2), (3, 3), (8, 4), (13, 2), (17, 2), (20, 2)].map {
            RawRecords.Span(start: UInt32($0.0), length: UInt32($0.1))
        }
        let records = RawRecords(bytes: text, spans: spans)
        var expected: [UInt8] = []
        records.forEach { expected += Array($0) + [0x0A] }
        var lines: [UInt8] = []
        records.appendLines(to: &lines)
        #expect(String(decoding: lines, as: UTF8.self) == "a1\nbb2\nccc3\nd4\ne5\nf6\n")
        #expect(lines == expected)
        for picked in [[5, 4, 3], [0, 0, 1], [2, 3, 5], [1]] as [[Int32]] {
            let some = records.gather(picked)
            var want: [UInt8] = []
            some.forEach { want += Array($0) + [0x0A] }
            var got: [UInt8] = [7]
            some.appendLines(to: &got)
            #expect(got == [7] + want, "rows \(picked)")
        }
    }

    @Test func changedRowsLoseTheirRecords() {
        var batch = Self.sample(rows: 10)
        #expect(batch.project(["n"]).records == nil)
        #expect(Batch.concat([batch, Batch(schema: batch.schema, columns: [Column(ints: [1])], count: 1)], schema: batch.schema).records == nil)
        batch.setColumn(Field("n", .int64, nullable: false), Column(ints: Array(repeating: 0, count: 10)))
        #expect(batch.records == nil)
    }
}
