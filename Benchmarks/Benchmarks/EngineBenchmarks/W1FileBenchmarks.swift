import BenchSupport
import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import SluiceOperators
import SluiceRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// W1-file (workloads.md): the W1 stream for K = 10,000, N = 10,000,000 as NDJSON, read
/// and decoded by the engine — the end-to-end figure. The raw limit beside it reads the
/// same file with read(2) and counts its lines (I/O plus one pass over the bytes).
/// The file (819 MB) is generated once into Benchmarks/.data/ and never committed.
func registerW1FileBenchmarks() {
    let events = ProcessInfo.processInfo.environment["SLUICE_BENCH_FILE_EVENTS"].flatMap { Int($0) } ?? 10_000_000
    for workers in [1, 2] {
        Benchmark("W1-file K=10000 workers=\(workers)") { benchmark in
            let path = try W1FileInput.ensure(events: events)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let rawStart = ContinuousClock.now
                let lines = try countLines(path)
                let rawTime = ContinuousClock.now - rawStart
                precondition(lines == events, "file has \(lines) lines, expected \(events)")
                let sink = CountingSink()
                let engineStart = ContinuousClock.now
                let summary = try Job(try W1Engine.fileDataflow(path: path, splits: workers, sink: sink), options: fileOptions(workers)).run()
                let engineTime = ContinuousClock.now - engineStart
                precondition(summary.rejected == 0, "rejected \(summary.rejected) lines")
                precondition(sink.countSum == Int64(events), "sum(count) \(sink.countSum) != \(events)")
                if events == 10_000_000 { precondition(sink.rows == 860_085, "rows \(sink.rows) != 860,085") }
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

private func countLines(_ path: String) throws -> Int {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw SluiceError(.io, "cannot open \(path)") }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4 << 20)
    var lines = 0
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        buffer.withUnsafeBufferPointer { b in
            for i in 0..<n where b[i] == 0x0A { lines += 1 }
        }
    }
    return lines
}
