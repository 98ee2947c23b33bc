import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime
import Testing

/// A stream re-keyed by a column an operator rewrote must be exchanged again: the
/// partitioning by the old values says nothing about the new ones.
@Suite struct RekeyingTests {
    static let schema = Schema([
        Field("k", .string, nullable: false), Field("v", .double, nullable: false), Field("ts", .timestamp, nullable: false),
    ])

    /// 200 events over four keys, all in one 10 s window.
    static func events() -> [Batch] {
        var builder = BatchBuilder(schema: schema)
        for i in 0..<200 {
            builder.append(values: [.string("key-\(i * 7 % 4)"), .double(Double(i)), .timestamp(1_764_000_000_000 + Int64(i))])
        }
        return [builder.finish()]
    }

    /// keyBy(k) → window → map(k := 'x') → keyBy(k) → window, counting events.
    static func rekeyed() throws -> (Dataflow, MemorySink) {
        let flow = Dataflow(name: "rekey")
        let source = BatchListSource(name: "events", schema: schema, splits: [events()])
        let (perKey, _) = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
            .keyBy(["k"]).window(.tumbling(sizeMillis: 10_000))
            .aggregate([AggregateSpec("n", .count)], name: "per-key")
        let renamed = perKey.map([("k", try Expr.compile("'x'", schema: perKey.schema))], name: "rename")
        let (total, _) = renamed.keyBy(["k"]).window(.tumbling(sizeMillis: 10_000), timeField: "window_start")
            .aggregate([AggregateSpec("events", .sum, try Expr.compile("n", schema: renamed.schema))], name: "total")
        let sink = MemorySink(name: "total")
        total.sink("out", sink, mode: .append)
        return (flow, sink)
    }

    @Test(arguments: [1, 2, 4])
    func aMapRewritingTheKeyForcesAnExchangeBeforeTheNextKeyedOperator(partitions: Int) throws {
        let (flow, sink) = try Self.rekeyed()
        _ = try Job(flow, options: RunOptions(workers: 2, partitions: partitions)).run()
        #expect(sink.rows.count == 1, "\(sink.rows)")
        #expect(sink.rows.first?["k"] == .string("x"))
        #expect(sink.rows.first?["events"] == .int(200))
    }

    @Test func thePlanExchangesAfterTheRewriteAndNowhereElse() throws {
        let (flow, _) = try Self.rekeyed()
        let edges = try flow.inputEdges(partitions: 4)
        #expect(edges["per-key"] == [.scatter(["k"])])
        #expect(edges["rename"] == [.forward])
        #expect(edges["total"] == [.exchange(["k"])])
    }

    @Test func aMapWritingOtherColumnsKeepsThePartitioning() throws {
        let flow = Dataflow(name: "keep")
        let source = BatchListSource(name: "events", schema: Self.schema, splits: [Self.events()])
        let (perKey, _) = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
            .keyBy(["k"]).window(.tumbling(sizeMillis: 10_000))
            .aggregate([AggregateSpec("n", .count)], name: "per-key")
        let doubled = perKey.map([("n", try Expr.compile("n * 2", schema: perKey.schema))], name: "double")
        let (again, _) = doubled.keyBy(["k"]).window(.tumbling(sizeMillis: 60_000), timeField: "window_start")
            .aggregate([AggregateSpec("n", .sum, try Expr.compile("n", schema: doubled.schema))], name: "again")
        again.sink("view", MemorySink(), mode: .append)
        let edges = try flow.inputEdges(partitions: 4)
        #expect(edges["double"] == [.forward])
        #expect(edges["again"] == [.forward])
    }
}
