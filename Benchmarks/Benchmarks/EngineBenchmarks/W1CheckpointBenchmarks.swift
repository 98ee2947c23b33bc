import BenchSupport
import Benchmark
import SluiceCore
import SluiceRuntime

/// W1 K = 100,000, one worker, with checkpoints (operator snapshots into an in-memory store,
/// `RunOptions.checkpointStore`) and without, both in every iteration in alternating order,
/// on the same epoch schedule: one epoch per 10 s of the stream's event time (1,000,000
/// events, `epochEveryBatches`). A 10 s processing-time interval would take no checkpoint
/// at all in a run this short (10,000,000 events in ~2 s); per 10 s of event time it takes
/// one per ~0.2 s of run, far more often than a deployment would.
///   off_kev_s, on_kev_s — thousands of events per second without / with checkpoints
///   on_pct — the rate with checkpoints as a percentage of the rate without
///   checkpoints — checkpoints saved in the run with them
///   ckpt_kB — operator state per checkpoint (kB); ckpt_ms — extra wall time per checkpoint
/// Both runs' results are checked against the raw loop's (`Checksums`).
func registerW1CheckpointBenchmarks() {
    let agents = 100_000
    Benchmark(
        "W1 checkpoints K=\(agents)",
        configuration: .init(
            metrics: [
                .wallClock, .peakMemoryResident, .cpuTotal,
                .custom("off_kev_s", polarity: .prefersLarger, useScalingFactor: false),
                .custom("on_kev_s", polarity: .prefersLarger, useScalingFactor: false),
                .custom("on_pct", polarity: .prefersLarger, useScalingFactor: false),
                .custom("checkpoints", polarity: .prefersSmaller, useScalingFactor: false),
                .custom("ckpt_kB", polarity: .prefersSmaller, useScalingFactor: false),
                .custom("ckpt_ms", polarity: .prefersSmaller, useScalingFactor: false),
            ], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(180), maxIterations: 5)
    ) { benchmark in
        let data = W1Data(agents: agents, events: benchEvents)
        let splits = W1Engine.inputSplits(data, splits: 1, partitions: 1)
        let expected = RawW1.run(data)
        let every = W1Engine.batchesPerSplit(eventMillis: 10_000, splits: 1, partitions: 1)
        var iteration = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var off = Duration.zero
            var on = Duration.zero
            var store = CountingCheckpointStore()
            for run in 0..<2 {
                let checkpointing = (run + iteration) % 2 == 1
                let runStore = CountingCheckpointStore()
                let start = ContinuousClock.now
                let (_, sink) = try W1Engine.run(splits, workers: 1) { options in
                    options.epochIntervalMillis = nil
                    options.epochEveryBatches = every
                    if checkpointing { options.checkpointStore = runStore }
                }
                let elapsed = ContinuousClock.now - start
                Checksums.require(engine: Checksums(sink), raw: expected, "W1 checkpoints \(checkpointing ? "on" : "off")")
                if checkpointing {
                    on = elapsed
                    store = runStore
                } else {
                    off = elapsed
                }
            }
            iteration += 1
            precondition(store.saved > 0, "no checkpoint was saved")
            let offRate = Double(benchEvents) / seconds(off)
            let onRate = Double(benchEvents) / seconds(on)
            benchmark.measurement(.custom("off_kev_s"), Int(offRate / 1000))
            benchmark.measurement(.custom("on_kev_s"), Int(onRate / 1000))
            benchmark.measurement(.custom("on_pct"), Int(onRate / offRate * 100))
            benchmark.measurement(.custom("checkpoints"), store.saved)
            benchmark.measurement(.custom("ckpt_kB"), store.bytes / store.saved / 1000)
            benchmark.measurement(.custom("ckpt_ms"), max(0, Int(seconds(on - off) * 1000 / Double(store.saved))))
        }
        benchmark.stopMeasurement()
    }
}
