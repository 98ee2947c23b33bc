import BenchSupport
import Benchmark
import SluiceCore

/// Two workers against one on the same W1 data, both in every iteration. This VM's speed
/// drifts by up to 2× over seconds (neighbours share its caches), so the scaling of two
/// separately measured medians mostly measures the drift; run back to back, in alternating
/// order, the two runs see the same machine.
func registerW1ScalingBenchmarks() {
    for agents in [10_000, 100_000] {
        Benchmark(
            "W1 scaling K=\(agents)",
            configuration: .init(metrics: scalingMetrics, timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(180), maxIterations: 9)
        ) { benchmark in
            let data = W1Data(agents: agents, events: benchEvents)
            let oneSplit = W1Engine.inputSplits(data, splits: 1, partitions: 1)
            let twoSplits = W1Engine.inputSplits(data, splits: 2, partitions: 2)
            var iteration = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var one = Duration.zero
                var two = Duration.zero
                for run in 0..<2 {
                    let twoWorkers = (run + iteration) % 2 == 1
                    let start = ContinuousClock.now
                    let (_, sink) = try W1Engine.run(twoWorkers ? twoSplits : oneSplit, workers: twoWorkers ? 2 : 1)
                    let elapsed = ContinuousClock.now - start
                    precondition(sink.countSum == Int64(benchEvents), "engine sum(count) \(sink.countSum) != \(benchEvents)")
                    if twoWorkers { two = elapsed } else { one = elapsed }
                }
                iteration += 1
                let oneRate = Double(benchEvents) / seconds(one)
                let twoRate = Double(benchEvents) / seconds(two)
                benchmark.measurement(.custom("one_worker_kev_s"), Int(oneRate / 1000))
                benchmark.measurement(.custom("two_workers_kev_s"), Int(twoRate / 1000))
                benchmark.measurement(.custom("scaling_pct"), Int(twoRate / oneRate * 100))
            }
            benchmark.stopMeasurement()
        }
    }
}

let scalingMetrics: [BenchmarkMetric] = [
    .wallClock, .cpuTotal,
    .custom("one_worker_kev_s", polarity: .prefersLarger, useScalingFactor: false),
    .custom("two_workers_kev_s", polarity: .prefersLarger, useScalingFactor: false),
    .custom("scaling_pct", polarity: .prefersLarger, useScalingFactor: false),
]
