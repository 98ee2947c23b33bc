import SluiceCore
import SluiceOperators
import Testing

@Suite("Union")
struct UnionTests {
    static let a = Schema([Field("id", .string, nullable: false), Field("x", .int64, nullable: false)])
    static let b = Schema([Field("x", .int64, nullable: false), Field("y", .double), Field("id", .string, nullable: false)])

    @Test("the output schema is the union of fields by name; a field some input lacks is nullable")
    func schema() {
        let union = UnionOperator(inputSchemas: [Self.a, Self.b])
        #expect(union.outputSchemas == [Schema([
            Field("id", .string, nullable: false), Field("x", .int64, nullable: false), Field("y", .double, nullable: true),
        ])])
    }

    @Test("rows of each input are mapped by name; missing fields are null")
    func mapsByName() {
        let union = UnionOperator(inputSchemas: [Self.a, Self.b])
        var out = OperatorOutput()
        union.process(Batch(schema: Self.a, columns: [Column(strings: ["p", "q"]), Column(ints: [1, 2])]), input: 0, into: &out)
        union.process(
            Batch(schema: Self.b, columns: [Column(ints: [3]), Column(doubles: [0.5]), Column(strings: ["r"])]),
            input: 1, into: &out)
        let rows = out.batches.flatMap { $0.batch.rows }
        #expect(rows == [
            ["id": .string("p"), "x": .int(1), "y": .null],
            ["id": .string("q"), "x": .int(2), "y": .null],
            ["id": .string("r"), "x": .int(3), "y": .double(0.5)],
        ])
        #expect(out.batches.allSatisfy { $0.batch.schema == union.outputSchemas[0] && $0.port == 0 })
        #expect(union.counters.rowsIn == 3 && union.counters.rowsOut == 3)
    }

    @Test("an input whose schema equals the output passes through unchanged")
    func passThrough() {
        let union = UnionOperator(inputSchemas: [Self.a, Self.a])
        var out = OperatorOutput()
        let batch = Batch(schema: Self.a, columns: [Column(strings: ["p"]), Column(ints: [1])])
        union.process(batch, input: 1, into: &out)
        #expect(out.batches.map { $0.batch.rows } == [batch.rows])
    }

    @Test("the same name with two types is a validate error")
    func validation() {
        let clash = Schema([Field("x", .string)])
        #expect(UnionOperator.validate(inputSchemas: [Self.a, Self.b]).isEmpty)
        #expect(UnionOperator.validate(inputSchemas: [Self.a, Self.b, clash]) == [
            "union field 'x' is int in input 0 but string in input 2"
        ])
        #expect(UnionOperator.validate(inputSchemas: []) == ["a union needs at least one input"])
    }
}
