import SluiceCore
import SluiceOperators
import Testing

@Suite("Branch")
struct BranchTests {
    static let routes: [(name: String, condition: any BatchExpression)] = [
        ("high", FilterTestGreaterThan(field: "value", threshold: 600)),
        ("medium", FilterTestGreaterThan(field: "value", threshold: 500)),
    ]

    /// The `ts` values each port received, by port.
    static func timesByPort(_ out: OperatorOutput, ports: Int) -> [[Int64]] {
        var result = [[Int64]](repeating: [], count: ports)
        for (port, batch) in out.batches { result[port] += batch.column(named: "ts")!.ints }
        return result
    }

    @Test("first match only: each row goes to its first matching route, the rest to the default port")
    func firstMatch() {
        let branch = BranchOperator(schema: FilterTestData.schema, routes: Self.routes, includeDefault: true, firstMatchOnly: true)
        #expect(branch.portNames == ["high", "medium", "default"])
        #expect(branch.outputSchemas == [Schema](repeating: FilterTestData.schema, count: 3))
        var out = OperatorOutput()
        branch.process(FilterTestData.sample, input: 0, into: &out)
        // values: 1, 600, 700, null, 501
        #expect(Self.timesByPort(out, ports: 3) == [[12], [11, 14], [10, 13]])
        #expect(branch.counters.rowsOut == 5)
    }

    @Test("all matches: a row goes to every route it matches; no default port drops the rest")
    func allMatches() {
        let branch = BranchOperator(schema: FilterTestData.schema, routes: Self.routes, includeDefault: false, firstMatchOnly: false)
        #expect(branch.portNames == ["high", "medium"])
        var out = OperatorOutput()
        branch.process(FilterTestData.sample, input: 0, into: &out)
        #expect(Self.timesByPort(out, ports: 2) == [[12], [11, 12, 14]])
        #expect(branch.counters.rowsOut == 4)
    }

    @Test("all matches with a default: the default holds rows no route matched")
    func allMatchesWithDefault() {
        let branch = BranchOperator(schema: FilterTestData.schema, routes: Self.routes, includeDefault: true, firstMatchOnly: false)
        var out = OperatorOutput()
        branch.process(FilterTestData.sample, input: 0, into: &out)
        #expect(Self.timesByPort(out, ports: 3) == [[12], [11, 12, 14], [10, 13]])
    }

    @Test("validate rejects duplicate names, a route called default, non-bool conditions, no routes")
    func validation() {
        let schema = FilterTestData.schema
        let ok = FilterTestGreaterThan(field: "value", threshold: 1)
        #expect(BranchOperator.validate(schema: schema, routes: Self.routes, includeDefault: true, firstMatchOnly: true).isEmpty)
        #expect(BranchOperator.validate(
            schema: schema, routes: [("a", ok), ("a", ok), ("default", ok), ("s", ColumnRef("agent", in: schema))],
            includeDefault: true, firstMatchOnly: false) == [
                "branch route 'a' is defined twice", "branch route 'default' is defined twice",
                "branch route 's' condition 'agent' is string, expected bool",
            ])
        #expect(BranchOperator.validate(schema: schema, routes: [], includeDefault: true, firstMatchOnly: true) == [
            "a branch needs at least one route"
        ])
    }
}
