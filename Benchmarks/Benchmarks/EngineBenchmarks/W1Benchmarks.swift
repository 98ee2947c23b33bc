import BenchSupport
import Benchmark
import SluiceCore

/// W1 (workloads.md) for K = 10,000 and 100,000 with one and two workers, each beside the
/// raw loop (`RawW1`, one thread) on the same events, in alternating order. Every iteration checks that both
/// emitted the same rows with the same values: row count, Σ count, and Σ sum, Σ min,
/// Σ max, Σ avg over all (key, window) rows within a relative 1e-9 (`Checksums`).
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
                var iteration = 0
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    var raw = Checksums()
                    var rawTime = Duration.zero
                    var sink = CountingSink()
                    var engineTime = Duration.zero
                    // Raw first in even iterations, engine first in odd ones.
                    for run in 0..<2 {
                        if (run + iteration) % 2 == 0 {
                            let rawStart = ContinuousClock.now
                            raw = RawW1.run(data)
                            rawTime = ContinuousClock.now - rawStart
                        } else {
                            let engineStart = ContinuousClock.now
                            sink = try W1Engine.run(splits, workers: workers).1
                            engineTime = ContinuousClock.now - engineStart
                        }
                    }
                    iteration += 1
                    precondition(raw.count == Int64(benchEvents), "raw loop lost events")
                    precondition(sink.countSum == Int64(benchEvents), "engine sum(count) \(sink.countSum) != \(benchEvents)")
                    Checksums.require(engine: Checksums(sink), raw: raw, "W1 K=\(agents) workers=\(workers)")
                    report(benchmark, events: benchEvents, engine: engineTime, raw: rawTime)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}
