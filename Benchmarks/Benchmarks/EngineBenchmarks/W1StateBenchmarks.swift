import BenchSupport
import Benchmark

/// W1's window state for 100,000 agents × 8 metrics, all keys live in one window: bytes per
/// key by the operator's own account, by the growth of resident memory, and in a snapshot.
func registerW1StateBenchmarks() {
    Benchmark(
        "W1 state K=100000",
        configuration: .init(metrics: stateMetrics, timeUnits: .milliseconds, warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let m = W1State.measure(agents: 100_000)
        benchmark.measurement(.custom("state_b_per_key"), m.stateBytes / m.keys)
        benchmark.measurement(.custom("resident_b_per_key"), m.residentBytes / m.keys)
        benchmark.measurement(.custom("snapshot_b_per_key"), m.snapshotBytes / m.keys)
    }
}

let stateMetrics: [BenchmarkMetric] = [
    .wallClock,
    .custom("state_b_per_key", polarity: .prefersSmaller, useScalingFactor: false),
    .custom("resident_b_per_key", polarity: .prefersSmaller, useScalingFactor: false),
    .custom("snapshot_b_per_key", polarity: .prefersSmaller, useScalingFactor: false),
]
