import BenchSupport
import Benchmark

/// De-duplication alone on W2's 5,000,000 ids (`DedupeRun`): the engine's `DedupeOperator`,
/// its table growing from empty as in a job, beside the raw limit (a hand-written loop
/// hashing each id to 128 bits into a set sized for every id up front), in alternating
/// order. Both must find exactly the generated redeliveries.
///   engine_kev_s, raw_kev_s, ratio_pct — as everywhere
///   b_per_id — the engine's bytes per remembered id at the end
func registerDedupeBenchmarks() {
    let events = 5_000_000
    Benchmark(
        "Dedupe W2 ids",
        configuration: .init(
            metrics: rateMetrics + [.custom("b_per_id", polarity: .prefersSmaller, useScalingFactor: false)],
            timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        let run = DedupeRun(events: events)
        var iteration = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let engine: DedupeRun.Result
            let raw: DedupeRun.Result
            if iteration % 2 == 0 {
                engine = run.engine()
                raw = run.raw()
            } else {
                raw = run.raw()
                engine = run.engine()
            }
            iteration += 1
            precondition(engine.duplicates == run.redeliveries && raw.duplicates == run.redeliveries,
                         "duplicates: engine \(engine.duplicates), raw \(raw.duplicates), expected \(run.redeliveries)")
            benchmark.measurement(.custom("engine_kev_s"), Int(Double(events) / engine.seconds / 1000))
            benchmark.measurement(.custom("raw_kev_s"), Int(Double(events) / raw.seconds / 1000))
            benchmark.measurement(.custom("ratio_pct"), Int(raw.seconds / engine.seconds * 100))
            benchmark.measurement(.custom("b_per_id"), Int(engine.bytesPerId.rounded()))
        }
        benchmark.stopMeasurement()
    }

    // De-duplication's snapshots of the same ids, one per 500,000 events (an epoch), each into
    // the buffer of the one before, beside copying the same bytes (`DedupeSnapshotRun`):
    //   engine_kev_s, raw_kev_s — thousands of remembered ids written out per second
    //   ratio_pct — the engine's rate as a percentage of the raw limit's
    Benchmark(
        "Dedupe W2 snapshots",
        configuration: .init(metrics: rateMetrics, timeUnits: .milliseconds, warmupIterations: 1,
                             maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        let run = DedupeRun(events: events)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let result = DedupeSnapshotRun.run(run, batchesPerEpoch: 122)
            precondition(result.lastIds == run.ids, "remembered \(result.lastIds) ids, expected \(run.ids)")
            benchmark.measurement(.custom("engine_kev_s"), Int(result.idsWritten / result.engineSeconds / 1000))
            benchmark.measurement(.custom("raw_kev_s"), Int(result.idsWritten / result.rawSeconds / 1000))
            benchmark.measurement(.custom("ratio_pct"), Int(result.rawSeconds / result.engineSeconds * 100))
        }
        benchmark.stopMeasurement()
    }
}
