import BenchSupport
import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import SluiceOperators
import SluiceRuntime

/// W1-file (workloads.md): the W1 stream for K = 10,000, N = 10,000,000 as NDJSON, read
/// and decoded by the engine — the end-to-end figure — beside the raw limit for the same
/// work: `RawW1File`, one thread that reads the same file, parses the four fields of every
/// line and aggregates them with the W1 raw loop. Both run in every iteration, in
/// alternating order (the file stays in the page cache), and their results must agree
/// (rows, Σ count, Σ sum/min/max/avg: `Checksums`).
/// The file (819 MB) is generated once into Benchmarks/.data/ and never committed.
func registerW1FileBenchmarks() {
    let events = ProcessInfo.processInfo.environment["SLUICE_BENCH_FILE_EVENTS"].flatMap { Int($0) } ?? 10_000_000
    for workers in [1, 2] {
        Benchmark("W1-file K=10000 workers=\(workers)") { benchmark in
            let path = try W1FileInput.ensure(events: events)
            var iteration = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var rawTime = Duration.zero
                var engineTime = Duration.zero
                var raw: RawW1File.Result?
                var engine = Checksums()
                for run in 0..<2 {
                    if (run + iteration) % 2 == 0 {
                        let rawStart = ContinuousClock.now
                        raw = try RawW1File.run(path: path)
                        rawTime = ContinuousClock.now - rawStart
                    } else {
                        let sink = CountingSink()
                        let engineStart = ContinuousClock.now
                        let summary = try Job(try W1Engine.fileDataflow(path: path, splits: workers, sink: sink), options: fileOptions(workers)).run()
                        engineTime = ContinuousClock.now - engineStart
                        precondition(summary.rejected == 0, "rejected \(summary.rejected) lines")
                        engine = Checksums(sink)
                    }
                }
                iteration += 1
                precondition(raw!.lines == events, "file has \(raw!.lines) lines, expected \(events)")
                precondition(engine.count == Int64(events), "sum(count) \(engine.count) != \(events)")
                if events == 10_000_000 { precondition(engine.rows == 860_085, "rows \(engine.rows) != 860,085") }
                Checksums.require(engine: engine, raw: raw!.totals, "W1-file workers=\(workers)")
                report(benchmark, events: events, engine: engineTime, raw: rawTime)
            }
            benchmark.stopMeasurement()
        }
    }
}

private func fileOptions(_ workers: Int) -> RunOptions {
    var options = RunOptions(workers: workers, partitions: workers)
    options.epochIntervalMillis = 1000
    return options
}
