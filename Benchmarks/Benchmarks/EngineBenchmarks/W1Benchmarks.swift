import BenchSupport
import Benchmark
import SluiceCore

/// W1 (workloads.md) for K = 10,000 and 100,000 with one and two workers, each beside the
/// raw loop on the same events.
func registerW1Benchmarks() {
    for agents in [10_000, 100_000] {
        for workers in [1, 2] {
            // More iterations than the default: this VM's speed swings run to run, and the
            // two-worker bar compares medians of separate benchmarks.
            Benchmark(
                "W1 K=\(agents) workers=\(workers)",
                configuration: .init(metrics: rateMetrics, timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(120), maxIterations: 7)
            ) { benchmark in
                let data = W1Data(agents: agents, events: benchEvents)
                let splits = W1Engine.inputSplits(data, splits: workers, partitions: workers)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let rawStart = ContinuousClock.now
                    let raw = RawW1.run(data)
                    let rawTime = ContinuousClock.now - rawStart
                    let engineStart = ContinuousClock.now
                    let (_, sink) = try W1Engine.run(splits, workers: workers)
                    let engineTime = ContinuousClock.now - engineStart
                    precondition(raw.count == Int64(benchEvents), "raw loop lost events")
                    precondition(sink.countSum == Int64(benchEvents), "engine sum(count) \(sink.countSum) != \(benchEvents)")
                    precondition(sink.rows == Int64(raw.rows), "engine emitted \(sink.rows) rows, raw \(raw.rows)")
                    report(benchmark, events: benchEvents, engine: engineTime, raw: rawTime)
                    blackHole(raw.checksum)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}
