import SluiceCore
import SluiceOperators
import Testing

@Suite("Map")
struct MapTests {
    @Test("a projection holds exactly the named outputs, in order")
    func projection() {
        let schema = FilterTestData.schema
        let map = MapOperator(
            schema: schema,
            outputs: [
                ("who", MapTestUppercased(field: "agent")), ("doubled", MapTestScaled(field: "value", factor: 2)),
                ("agent", ColumnRef("agent", in: schema)),
            ], keepInputFields: false)
        #expect(map.outputSchemas[0] == Schema([
            Field("who", .string), Field("doubled", .double), Field("agent", .string),
        ]))
        var out = OperatorOutput()
        map.process(FilterTestData.sample, input: 0, into: &out)
        let batch = out.batches[0].batch
        #expect(batch.rows.map { $0["who"]! } == [.string("A"), .string("B"), .null, .string("A"), .string("C")])
        #expect(batch.rows.map { $0["doubled"]! } == [.double(2), .double(1200), .double(1400), .null, .double(1002)])
        #expect(batch.rows.map { $0["agent"]! } == [.string("a"), .string("b"), .null, .string("a"), .string("c")])
        #expect(map.counters.rowsOut == 5)
    }

    @Test("keeping input fields replaces same-named fields in place and appends new ones")
    func keepInputFields() {
        let schema = FilterTestData.schema
        let map = MapOperator(
            schema: schema,
            outputs: [
                ("value", FilterTestGreaterThan(field: "value", threshold: 500)),  // replaced, now bool
                ("scaled", MapTestScaled(field: "value", factor: 0.5)),  // sees the input value, not the bool
            ], keepInputFields: true)
        #expect(map.outputSchemas[0].names == ["agent", "value", "ts", "scaled"])
        #expect(map.outputSchemas[0].fields.map(\.type) == [.string, .bool, .timestamp, .double])
        var out = OperatorOutput()
        var input = FilterTestData.sample
        input.position = SourcePosition(source: "s", split: 1, offset: 7)
        map.process(input, input: 0, into: &out)
        let batch = out.batches[0].batch
        #expect(batch.position == input.position)
        #expect(batch.rows.map { $0["value"]! } == [.bool(false), .bool(true), .bool(true), .null, .bool(true)])
        #expect(batch.rows.map { $0["scaled"]! } == [.double(0.5), .double(300), .double(350), .null, .double(250.5)])
        #expect(batch.rows.map { $0["ts"]! } == (10...14).map { .timestamp($0) })
    }

    @Test("validate rejects duplicate, empty and missing outputs")
    func validation() {
        let schema = FilterTestData.schema
        let ref = ColumnRef("agent", in: schema)
        #expect(MapOperator.validate(schema: schema, outputs: [("a", ref), ("a", ref), ("", ref)], keepInputFields: true) == [
            "map output 'a' is defined twice", "a map output needs a name",
        ])
        #expect(MapOperator.validate(schema: schema, outputs: [], keepInputFields: false) == [
            "a map without input fields needs at least one output"
        ])
        #expect(MapOperator.validate(schema: schema, outputs: [], keepInputFields: true).isEmpty)
    }
}
