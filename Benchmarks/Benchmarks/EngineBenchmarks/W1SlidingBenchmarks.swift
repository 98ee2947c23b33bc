import BenchSupport
import Benchmark
import SluiceCore
import SluiceOperators

/// W1 with a 60 s window sliding every 10 s (six windows per event) beside the 10 s
/// tumbling W1 on the same events, one worker: what sliding costs over tumbling.
///   tumbling_kev_s, sliding_kev_s — thousands of events per second
///   sliding_pct — the sliding rate as a percentage of the tumbling one
func registerW1SlidingBenchmarks() {
    let agents = 10_000
    let sliding = WindowSpec.sliding(sizeMillis: 60_000, slideMillis: 10_000)
    Benchmark(
        "W1 sliding K=\(agents)",
        configuration: .init(
            metrics: [
                .wallClock, .peakMemoryResident, .cpuTotal,
                .custom("tumbling_kev_s", polarity: .prefersLarger, useScalingFactor: false),
                .custom("sliding_kev_s", polarity: .prefersLarger, useScalingFactor: false),
                .custom("sliding_pct", polarity: .prefersLarger, useScalingFactor: false),
            ], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(120), maxIterations: 5)
    ) { benchmark in
        let data = W1Data(agents: agents, events: benchEvents)
        let splits = data.splits(1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let tumblingStart = ContinuousClock.now
            let (_, tumblingSink) = try W1Engine.run(splits, workers: 1)
            let tumblingTime = ContinuousClock.now - tumblingStart
            let slidingStart = ContinuousClock.now
            let (_, slidingSink) = try W1Engine.run(splits, workers: 1, window: sliding)
            let slidingTime = ContinuousClock.now - slidingStart
            precondition(tumblingSink.countSum == Int64(benchEvents), "tumbling sum(count) \(tumblingSink.countSum)")
            let perEvent = W1Engine.windowsPerEvent(sliding)
            precondition(
                slidingSink.countSum == Int64(benchEvents) * perEvent, "sliding sum(count) \(slidingSink.countSum)")
            let tumblingRate = Double(benchEvents) / seconds(tumblingTime)
            let slidingRate = Double(benchEvents) / seconds(slidingTime)
            benchmark.measurement(.custom("tumbling_kev_s"), Int(tumblingRate / 1000))
            benchmark.measurement(.custom("sliding_kev_s"), Int(slidingRate / 1000))
            benchmark.measurement(.custom("sliding_pct"), Int(slidingRate / tumblingRate * 100))
        }
        benchmark.stopMeasurement()
    }
}
