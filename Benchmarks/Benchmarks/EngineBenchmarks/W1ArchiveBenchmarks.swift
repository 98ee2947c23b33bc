import BenchSupport
import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceRuntime

/// W1 as a batch job over the archive beside the same job over the NDJSON file it was
/// archived from (issue 18): both in every iteration, in alternating order, each checked
/// (Σ count == N, the same window rows and values). `archive_kev_s` / `file_kev_s` is
/// `ratio_pct` (goal ≥ 100); `disk_pct` is segment bytes / file bytes (goal ≤ 25).
/// Each reads as `workers` splits: byte ranges of the file, runs of consecutive segments of
/// the archive.
///
/// Two kinds: warm (both inputs in the page cache, as after the first run: the archive's
/// LZ4 work is pure cost) and `cold` (before each timed run both inputs' pages are
/// dropped, `W1ArchiveInput.evictFromPageCache`, so each run reads its input from the
/// disk: history that is not in memory, what an archive is read for). `cold_resident_MB`
/// is what the kernel kept resident after the eviction (0 when it dropped everything).
func registerW1ArchiveBenchmarks() {
    let events = ProcessInfo.processInfo.environment["SLUICE_BENCH_FILE_EVENTS"].flatMap { Int($0) } ?? 10_000_000
    let metrics: [BenchmarkMetric] = [
        .wallClock, .peakMemoryResident,
        .custom("archive_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("file_kev_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
        .custom("disk_pct", polarity: .prefersSmaller, useScalingFactor: false),
        .custom("cold_resident_MB", polarity: .prefersSmaller, useScalingFactor: false),
    ]
    for cold in [false, true] {
        for workers in [1, 2] {
            register(events: events, workers: workers, cold: cold, metrics: metrics)
        }
    }
}

private func register(events: Int, workers: Int, cold: Bool, metrics: [BenchmarkMetric]) {
    Benchmark("W1 archive vs file\(cold ? " cold" : "") K=10000 workers=\(workers)", configuration: .init(metrics: metrics)) { benchmark in
        let path = try W1FileInput.ensure(events: events)
        let directory = try W1ArchiveInput.ensure(events: events)
        let fileBytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let diskPct = Int(Double(try W1ArchiveInput.dataBytes(directory)) / Double(fileBytes) * 100)
        var iteration = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var fileTime = Duration.zero
            var archiveTime = Duration.zero
            var results: [Checksums] = [Checksums(), Checksums()]
            for run in 0..<2 {
                let overArchive = (run + iteration) % 2 == 0
                // Cold: the flow is built after the eviction (the archive source reads its indexes).
                if cold {
                    let resident = try W1ArchiveInput.evictFromPageCache(file: path, directory: directory)
                    benchmark.measurement(.custom("cold_resident_MB"), Int(resident >> 20))
                }
                let (summary, sink, time) = try W1Engine.runArchiveOrFile(
                    overArchive: overArchive, directory: directory, path: path, workers: workers)
                precondition(summary.rejected == 0, "rejected \(summary.rejected)")
                if overArchive { archiveTime = time } else { fileTime = time }
                results[overArchive ? 1 : 0] = Checksums(sink)
            }
            iteration += 1
            precondition(results[0].count == Int64(events) && results[1].count == Int64(events), "sum(count) != \(events)")
            precondition(results[0].rows == results[1].rows, "window rows differ: \(results[0].rows) vs \(results[1].rows)")
            let fileRate = Double(events) / seconds(fileTime)
            let archiveRate = Double(events) / seconds(archiveTime)
            benchmark.measurement(.custom("file_kev_s"), Int(fileRate / 1000))
            benchmark.measurement(.custom("archive_kev_s"), Int(archiveRate / 1000))
            benchmark.measurement(.custom("ratio_pct"), Int(archiveRate / fileRate * 100))
            benchmark.measurement(.custom("disk_pct"), diskPct)
        }
        benchmark.stopMeasurement()
    }
}
