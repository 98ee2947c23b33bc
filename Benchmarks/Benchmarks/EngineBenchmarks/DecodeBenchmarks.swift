import BenchSupport
import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats

/// JSON lines → columnar batches, MB/s, beside Foundation's JSONSerialization decoding the
/// same lines and pulling out the same fields (the ratio is decoder / Foundation).
func registerDecodeBenchmarks() {
    let decodeMetrics: [BenchmarkMetric] = [
        .wallClock, .peakMemoryResident,
        .custom("sluice_MB_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("foundation_MB_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_x", polarity: .prefersLarger, useScalingFactor: false),
    ]
    Benchmark("Decode W1-file lines", configuration: .init(metrics: decodeMetrics)) { benchmark in
        let lines = w1Lines(events: 300_000)
        runDecode(benchmark, lines: lines, schema: DAA.metricSampleSchema, required: Set(DAA.metricSampleSchema.names))
    }
    Benchmark("Decode DAA events", configuration: .init(metrics: decodeMetrics)) { benchmark in
        let lines = try DecodeRate.daaLines(events: 200_000)
        var options = DecoderOptions()
        options.allowedTypes = DAA.eventTypes
        runDecode(benchmark, lines: lines, schema: DAA.schema, required: DAA.requiredFields, options: options)
    }
}

private func runDecode(
    _ benchmark: Benchmark, lines: [UInt8], schema: Schema, required: Set<String>, options: DecoderOptions = .init()
) {
    let chunks = DecodeRate.lineChunks(lines, targetBytes: 256 << 10)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        var decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
        let start = ContinuousClock.now
        let rows = DecodeRate.decodeAll(lines, chunks: chunks, with: &decoder)
        let sluiceTime = ContinuousClock.now - start
        let foundationStart = ContinuousClock.now
        let foundationRows = foundationDecode(lines, fields: schema.names)
        let foundationTime = ContinuousClock.now - foundationStart
        precondition(rows == foundationRows, "decoders disagree: \(rows) vs \(foundationRows)")
        let megabytes = Double(lines.count) / 1e6
        let sluiceRate = megabytes / seconds(sluiceTime)
        let foundationRate = megabytes / seconds(foundationTime)
        benchmark.measurement(.custom("sluice_MB_s"), Int(sluiceRate))
        benchmark.measurement(.custom("foundation_MB_s"), Int(foundationRate))
        benchmark.measurement(.custom("ratio_x"), Int(sluiceRate / foundationRate))
    }
    benchmark.stopMeasurement()
}

/// Foundation's way: one JSONSerialization object per line, then the same fields read out.
private func foundationDecode(_ lines: [UInt8], fields: [String]) -> Int {
    var rows = 0
    var checksum = 0
    var start = 0
    let data = Data(lines)
    for i in 0..<lines.count where lines[i] == UInt8(ascii: "\n") {
        let line = data.subdata(in: start..<i)
        start = i + 1
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
        for field in fields where object[field] != nil { checksum &+= 1 }
        rows += 1
    }
    blackHole(checksum)
    return rows
}

func w1Lines(events: Int) -> [UInt8] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-w1-\(events).ndjson").path
    try! W1WorkloadSource.writeNDJSON(agents: 10_000, events: events, to: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return [UInt8](FileManager.default.contents(atPath: path)!)
}
