import BenchSupport
import Benchmark
import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime

/// W0 (workloads.md): keep `value > 500.0`, project agent_id, metric, value, discard —
/// the engine's per-event overhead with no state, beside the same work by hand.
///
/// Engine: the predicate is the expression language's, compiled from text
/// (`Expr.compileCondition("value > 500.0", schema:)`, as a pipeline file's `filter:` is)
/// and run by the engine's filter (`DataStream.filter`); the projection is the engine's map
/// keeping three fields (a file's `select:`). Raw: one thread over the same batches, which
/// writes each batch's kept rows into three projected columns (agent_id, metric code,
/// value) as the engine does, then discards them. Both results are checked: rows, Σ agent_id,
/// Σ value.
func registerW0Benchmarks() {
    for workers in [1, 2] {
        Benchmark("W0 workers=\(workers)") { benchmark in
            let data = W1Data(agents: 10_000, events: benchEvents)
            let splits = data.splits(workers)
            let predicate = try Expr.compileCondition("value > 500.0", schema: W1Data.schema)
            let rawBatches = data.splits(1)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let rawStart = ContinuousClock.now
                let raw = rawW0(rawBatches)
                let rawTime = ContinuousClock.now - rawStart
                let sink = CountingSink(name: "discard", checksumColumns: ["agent_id", "value"])
                let engineStart = ContinuousClock.now
                var options = RunOptions(workers: workers, partitions: workers)
                options.epochIntervalMillis = 1000
                _ = try Job(w0Dataflow(splits, predicate: predicate, sink: sink), options: options).run()
                let engineTime = ContinuousClock.now - engineStart
                precondition(sink.rows == Int64(raw.rows), "engine kept \(sink.rows) rows, raw \(raw.rows)")
                let sums = sink.columnSums
                precondition(
                    sums[0] == raw.agentSum && abs(sums[1] - raw.valueSum) <= 1e-9 * raw.valueSum,
                    "W0: engine Σagent_id \(sums[0]) Σvalue \(sums[1]), raw \(raw.agentSum) \(raw.valueSum)")
                report(benchmark, events: benchEvents, engine: engineTime, raw: rawTime)
            }
            benchmark.stopMeasurement()
        }
    }
}

/// The raw W0: per input batch, the rows with value > 500 gathered into three reusable
/// projected columns, which are then summed (the discard, and the check).
private func rawW0(_ splits: [[Batch]]) -> (rows: Int, agentSum: Double, valueSum: Double) {
    var rows = 0
    var agentSum = 0.0
    var valueSum = 0.0
    let capacity = splits.flatMap { $0 }.map(\.count).max() ?? 0
    var outAgent = [Int64](repeating: 0, count: capacity)
    var outMetric = [UInt32](repeating: 0, count: capacity)
    var outValue = [Double](repeating: 0, count: capacity)
    for batch in splits.flatMap({ $0 }) {
        let agent = batch.columns[0].ints
        let metric = batch.columns[1].codes
        let value = batch.columns[2].doubles
        var kept = 0
        agent.withUnsafeBufferPointer { a in
            metric.withUnsafeBufferPointer { m in
                value.withUnsafeBufferPointer { v in
                    outAgent.withUnsafeMutableBufferPointer { oa in
                        outMetric.withUnsafeMutableBufferPointer { om in
                            outValue.withUnsafeMutableBufferPointer { ov in
                                for i in 0..<v.count where v[i] > 500.0 {
                                    oa[kept] = a[i]
                                    om[kept] = m[i]
                                    ov[kept] = v[i]
                                    kept += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        var a = 0.0
        var s = 0.0
        for i in 0..<kept {
            a += Double(outAgent[i])
            s += outValue[i]
        }
        blackHole(outMetric[max(0, kept - 1)])
        rows += kept
        agentSum += a
        valueSum += s
    }
    return (rows, agentSum, valueSum)
}

private func w0Dataflow(_ splits: [[Batch]], predicate: CompiledExpression, sink: CountingSink) -> Dataflow {
    let flow = Dataflow(name: "w0")
    let schema = W1Data.schema
    let events = flow.source(InMemorySource(name: "w0", schema: schema, splits: splits), eventTime: nil)
    DataStream(flow: flow, ref: events)
        .filter(predicate, name: "filter")
        .map(
            ["agent_id", "metric", "value"].map { (name: $0, expression: ColumnRef($0, in: schema) as any BatchExpression) },
            keepInputFields: false, name: "project")
        .sink("discard", sink, mode: .append)
    return flow
}
