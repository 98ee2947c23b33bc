import SluiceCore
import SluiceOperators
import Testing

/// A map or an aligning union changes rows one to one: its output keeps each row's
/// record (the event it came from, for late outputs and dead letters), marked not exact so
/// the archive does not take it for the row.
@Suite struct RecordsThroughMapsTests {
    static func sampleWithRecords() -> Batch {
        var batch = FilterTestData.sample
        var bytes: [UInt8] = []
        var spans: [RawRecords.Span] = []
        for row in 0..<batch.count {
            let text = Array("event \(row)".utf8)
            spans.append(RawRecords.Span(start: UInt32(bytes.count), length: UInt32(text.count)))
            bytes += text + [0x0A]
        }
        batch.records = RawRecords(bytes: bytes, spans: spans)
        return batch
    }

    static func texts(_ records: RawRecords?) -> [String] {
        var out: [String] = []
        records?.forEach { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    @Test func mapsAndUnionsKeepRecordsNotExact() throws {
        let input = Self.sampleWithRecords()
        let expected = Self.texts(input.records)
        #expect(input.records?.isExact == true && expected.count == input.count)

        let map = MapOperator(
            schema: FilterTestData.schema, outputs: [("high", FilterTestGreaterThan(field: "value", threshold: 600))],
            keepInputFields: true)
        var mapped = OperatorOutput()
        map.process(input, input: 0, into: &mapped)
        let mappedBatch = try #require(mapped.batches.first?.batch)
        #expect(Self.texts(mappedBatch.records) == expected)
        #expect(mappedBatch.records?.isExact == false)

        let union = UnionOperator(inputSchemas: [FilterTestData.schema, Schema([Field("extra", .int64)])])
        var merged = OperatorOutput()
        union.process(input, input: 0, into: &merged)
        let mergedBatch = try #require(merged.batches.first?.batch)
        #expect(Self.texts(mergedBatch.records) == expected)
        #expect(mergedBatch.records?.isExact == false)
        // Selections of a derived batch stay derived.
        #expect(mergedBatch.gather([1, 0]).records?.isExact == false)
        #expect(Self.texts(mergedBatch.gather([1, 0]).records) == [expected[1], expected[0]])
    }
}
