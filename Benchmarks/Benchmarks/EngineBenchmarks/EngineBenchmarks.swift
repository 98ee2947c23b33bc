import BenchSupport
import Benchmark
import Foundation
import SluiceCore

// Each benchmark runs the engine and its raw limit on the same pre-generated data in the
// same iteration and reports both rates and their ratio as custom metrics:
//   *_kev_s  — thousands of events per second (larger is better)
//   ratio_pct — engine rate as a percentage of the raw rate
// Event counts can be lowered for a quick look: SLUICE_BENCH_EVENTS=2000000.
// SLUICE_BENCH_ORDER=reverse runs the families in reverse order (alternating rounds).

let benchEvents = ProcessInfo.processInfo.environment["SLUICE_BENCH_EVENTS"].flatMap { Int($0) } ?? 20_000_000

let rateMetrics: [BenchmarkMetric] = [
    .wallClock, .peakMemoryResident, .cpuTotal,
    .custom("engine_kev_s", polarity: .prefersLarger, useScalingFactor: false),
    .custom("raw_kev_s", polarity: .prefersLarger, useScalingFactor: false),
    .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
]

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func report(_ benchmark: Benchmark, events: Int, engine: Duration, raw: Duration) {
    let engineRate = Double(events) / seconds(engine)
    let rawRate = Double(events) / seconds(raw)
    benchmark.measurement(.custom("engine_kev_s"), Int(engineRate / 1000))
    benchmark.measurement(.custom("raw_kev_s"), Int(rawRate / 1000))
    benchmark.measurement(.custom("ratio_pct"), Int(engineRate / rawRate * 100))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: rateMetrics, timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(60),
        maxIterations: 3)
    let families = [
        registerW1Benchmarks, registerW1ScalingBenchmarks, registerW1CheckpointBenchmarks, registerW1StateBenchmarks,
        registerW1SlidingBenchmarks, registerW0Benchmarks, registerDecodeBenchmarks, registerW1FileBenchmarks,
        registerDedupeBenchmarks, registerPostgresBenchmarks, registerArchiveBenchmarks, registerW1ArchiveBenchmarks,
        registerAMQPBenchmarks,
    ]
    // SLUICE_BENCH_ORDER=reverse registers the families last to first, so repeated rounds
    // can alternate which benchmarks run early and which late on a drifting machine.
    let reverse = ProcessInfo.processInfo.environment["SLUICE_BENCH_ORDER"] == "reverse"
    for register in reverse ? families.reversed() : families { register() }
}
