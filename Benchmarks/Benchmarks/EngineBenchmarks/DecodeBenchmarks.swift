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
        let lines = try daaLines(events: 200_000)
        var options = DecoderOptions()
        options.allowedTypes = DAA.eventTypes
        runDecode(benchmark, lines: lines, schema: DAA.schema, required: DAA.requiredFields, options: options)
    }
}

private func runDecode(
    _ benchmark: Benchmark, lines: [UInt8], schema: Schema, required: Set<String>, options: DecoderOptions = .init()
) {
    let chunks = lineChunks(lines, targetBytes: 256 << 10)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        var decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
        let start = ContinuousClock.now
        var rows = 0
        lines.withUnsafeBytes { all in
            for chunk in chunks {
                let (batch, rejections) = decoder.decodeLines(
                    UnsafeRawBufferPointer(rebasing: all[chunk]), firstLine: 1, source: "bench", split: 0,
                    baseOffset: Int64(chunk.lowerBound))
                precondition(rejections.isEmpty, "unexpected rejection: \(rejections.first!)")
                rows += batch.count
            }
        }
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

private func lineChunks(_ bytes: [UInt8], targetBytes: Int) -> [Range<Int>] {
    var chunks: [Range<Int>] = []
    var start = 0
    while start < bytes.count {
        var end = min(start + targetBytes, bytes.count)
        while end < bytes.count && bytes[end - 1] != UInt8(ascii: "\n") { end += 1 }
        chunks.append(start..<end)
        start = end
    }
    return chunks
}

func w1Lines(events: Int) -> [UInt8] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-w1-\(events).ndjson").path
    try! W1WorkloadSource.writeNDJSON(agents: 10_000, events: events, to: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return [UInt8](FileManager.default.contents(atPath: path)!)
}

private func daaLines(events: Int) throws -> [UInt8] {
    let source = try DAAGeneratorSource(
        options: DAAGeneratorOptions(agents: 2000, limit: .count(events), duplicateFraction: 0))
    let reader = try source.openSplit(0, resumingAfter: nil)
    var out: [UInt8] = []
    while case .data(let batch, _) = try reader.next(maxRows: 4096) {
        out.append(contentsOf: DAAGeneratorSource.encodeNDJSON(batch))
    }
    return out
}
