import SluiceCore
import SluiceOperators
import Testing

@Suite("Filter")
struct FilterTests {
    @Test("keeps rows where the predicate is true; null predicates drop the row")
    func keepsTrueRows() {
        let filter = FilterOperator(schema: FilterTestData.schema, predicate: FilterTestGreaterThan(field: "value", threshold: 500))
        var out = OperatorOutput()
        filter.process(FilterTestData.sample, input: 0, into: &out)
        #expect(out.batches.count == 1)
        let kept = out.batches[0].batch
        #expect(kept.schema == FilterTestData.schema)
        #expect(kept.rows == [
            ["agent": .string("b"), "value": .double(600), "ts": .timestamp(11)],
            ["agent": .null, "value": .double(700), "ts": .timestamp(12)],
            ["agent": .string("c"), "value": .double(501), "ts": .timestamp(14)],
        ])
        #expect(filter.counters.rowsIn == 5)
        #expect(filter.counters.rowsOut == 3)
        #expect(filter.outputSchemas == [FilterTestData.schema])
    }

    @Test("a batch that keeps every row passes unchanged (with its position); one that keeps none emits nothing")
    func allOrNothing() {
        let filter = FilterOperator(schema: FilterTestData.schema, predicate: FilterTestGreaterThan(field: "ts", threshold: 0))
        var batch = FilterTestData.sample
        batch.position = SourcePosition(source: "s", split: 0, offset: 42)
        var out = OperatorOutput()
        filter.process(batch, input: 0, into: &out)
        #expect(out.batches.count == 1)
        #expect(out.batches[0].batch.rows == batch.rows)
        #expect(out.batches[0].batch.position == batch.position)

        let none = FilterOperator(schema: FilterTestData.schema, predicate: FilterTestGreaterThan(field: "ts", threshold: 1e9))
        var empty = OperatorOutput()
        none.process(batch, input: 0, into: &empty)
        #expect(empty.isEmpty)
        #expect(none.counters.rowsOut == 0)
    }

    @Test("expressions see the processing time of the last tick")
    func usesTickTime() {
        let filter = FilterOperator(schema: FilterTestData.schema, predicate: FilterTestBeforeNow(field: "ts"))
        var out = OperatorOutput()
        filter.tick(nowMillis: 13, into: &out)
        filter.process(FilterTestData.sample, input: 0, into: &out)
        #expect(out.batches.first?.batch.column(named: "ts")?.ints == [10, 11, 12])
    }

    @Test("a bool column reference works as a predicate; other types are rejected")
    func validation() {
        let schema = Schema([Field("ok", .bool), Field("n", .int64)])
        #expect(FilterOperator.validate(schema: schema, predicate: ColumnRef("ok", in: schema)).isEmpty)
        #expect(FilterOperator.validate(schema: schema, predicate: ColumnRef("n", in: schema)) == [
            "filter predicate 'n' is int, expected bool"
        ])
        let filter = FilterOperator(schema: schema, predicate: ColumnRef("ok", in: schema))
        var out = OperatorOutput()
        let batch = Batch(schema: schema, columns: [
            Column(bools: [true, false, true, true], validity: [true, true, false, true]), Column(ints: [1, 2, 3, 4]),
        ])
        filter.process(batch, input: 0, into: &out)
        #expect(out.batches.first?.batch.column(named: "n")?.ints == [1, 4])
    }
}
