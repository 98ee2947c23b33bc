import Benchmark
import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluiceRuntime

/// W0 (workloads.md): keep `value > 500.0`, project agent_id, metric, value, discard —
/// the engine's per-event overhead with no state, beside the same loop by hand.
func registerW0Benchmarks() {
    for workers in [1, 2] {
        Benchmark("W0 workers=\(workers)") { benchmark in
            let data = W1Data(agents: 10_000, events: benchEvents)
            let splits = data.splits(workers)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let rawStart = ContinuousClock.now
                var kept = 0
                var checksum = 0.0
                data.value.withUnsafeBufferPointer { values in
                    data.agent.withUnsafeBufferPointer { agents in
                        for i in 0..<values.count where values[i] > 500.0 {
                            kept += 1
                            checksum += values[i] + Double(agents[i])
                        }
                    }
                }
                let rawTime = ContinuousClock.now - rawStart
                let sink = CountingSink()
                let engineStart = ContinuousClock.now
                var options = RunOptions(workers: workers, partitions: workers)
                options.epochIntervalMillis = 1000
                _ = try Job(w0Dataflow(splits, sink: sink), options: options).run()
                let engineTime = ContinuousClock.now - engineStart
                precondition(sink.rows == Int64(kept), "engine kept \(sink.rows) rows, raw \(kept)")
                report(benchmark, events: benchEvents, engine: engineTime, raw: rawTime)
                blackHole(checksum)
            }
            benchmark.stopMeasurement()
        }
    }
}

private struct ValueAbove: BatchExpression {
    let threshold: Double
    var type: DataType { .bool }
    var nullable: Bool { false }
    var description: String { "value > \(threshold)" }
    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        let values = batch.column(named: "value")!.doubles
        return Column(bools: values.map { $0 > threshold })
    }
}

private func w0Dataflow(_ splits: [[Batch]], sink: CountingSink) -> Dataflow {
    let flow = Dataflow(name: "w0")
    let schema = W1Data.schema
    let events = flow.source(InMemorySource(name: "w0", schema: schema, splits: splits), eventTime: nil)
    let kept = flow.add("filter", inputs: [(events, .forward)], preservesPartitioning: true) { _ in
        FilterOperator(schema: schema, predicate: ValueAbove(threshold: 500.0))
    }
    let projected = flow.add("project", inputs: [(kept[0], .forward)]) { _ in
        MapOperator(
            schema: schema,
            outputs: ["agent_id", "metric", "value"].map { (name: $0, expression: ColumnRef($0, in: schema) as any BatchExpression) },
            keepInputFields: false)
    }
    flow.sink("discard", from: projected[0], to: sink, mode: .append)
    return flow
}
