#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats

/// JSON lines → columns in one thread, as the `Decode …` benchmarks measure it (256 KiB
/// chunks of whole lines, one decoder across them), for `W1Run decode` and profilers.
public enum DecodeRate {
    /// The calling thread's CPU seconds so far: on a shared, loaded machine the wall clock
    /// says more about the neighbours than about the decoder.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Decodes `lines` chunk by chunk with one decoder, as every decode measurement does;
    /// the rows decoded (a rejection stops the run: the inputs are generated, all valid).
    public static func decodeAll(_ lines: [UInt8], chunks: [Range<Int>], with decoder: inout JSONBatchDecoder) -> Int {
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
        return rows
    }

    /// MB per wall second and per CPU second of this thread decoding `lines` `rounds`
    /// times (the best round each), and the rows of one round.
    public static func measure(
        _ lines: [UInt8], schema: Schema, required: Set<String>, options: DecoderOptions = .init(), rounds: Int = 5
    ) -> (megabytesPerSecond: Double, megabytesPerCPUSecond: Double, rows: Int) {
        let chunks = lineChunks(lines, targetBytes: 256 << 10)
        var best = Double.infinity
        var bestCPU = Double.infinity
        var rows = 0
        for _ in 0..<rounds {
            var decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
            let start = ContinuousClock.now
            let cpuStart = threadCPUSeconds()
            rows = decodeAll(lines, chunks: chunks, with: &decoder)
            let d = ContinuousClock.now - start
            bestCPU = min(bestCPU, threadCPUSeconds() - cpuStart)
            best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        return (Double(lines.count) / 1e6 / best, Double(lines.count) / 1e6 / bestCPU, rows)
    }

    /// The first `bytes` bytes of a W1-file (whole lines).
    public static func w1Lines(path: String, bytes: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var data = [UInt8](try handle.read(upToCount: bytes) ?? Data())
        while let last = data.last, last != 0x0A { data.removeLast() }
        return data
    }

    /// DAA events from the generator as NDJSON (no re-deliveries).
    public static func daaLines(events: Int) throws -> [UInt8] {
        let source = try DAAGeneratorSource(
            options: DAAGeneratorOptions(agents: 2000, limit: .count(events), duplicateFraction: 0))
        let reader = try source.openSplit(0, resumingAfter: nil)
        var out: [UInt8] = []
        while case .data(let batch, _) = try reader.next(maxRows: 4096) {
            out.append(contentsOf: DAAGeneratorSource.encodeNDJSON(batch))
        }
        return out
    }

    /// Ranges of whole lines of about `targetBytes` each.
    public static func lineChunks(_ bytes: [UInt8], targetBytes: Int) -> [Range<Int>] {
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

    /// `W1Run decode-w2 [PATH]`: the W2 input (its first 150 MB) decoded as the
    /// pattern-effectiveness job's file source decodes it: its seven fields as the DAA
    /// contract types them, no event-type check (a file source has none), each record's
    /// bytes kept (its de-duplication dead-letters them) in the block the lines are read
    /// into, and the other fields of the contract once skipped (unknown to the plan) and
    /// once checked (what a pipeline file's source does with the contract fields it does not
    /// read).
    public static func reportW2(path: String) throws {
        let lines = try w1Lines(path: path, bytes: 150 << 20)
        let kept = ["id", "type", "agent_id", "ts", "pattern", "success", "score"]
        let schema = Schema(kept.map { DAA.schema.field(named: $0)! })
        var options = DecoderOptions()
        options.keepsRecords = true
        let block = lines.withUnsafeBytes { RecordBlock(copying: $0) }
        let chunks = lineChunks(lines, targetBytes: 256 << 10)
        for checked in [false, true] {
            options.checkedFields = checked ? DAA.schema.fields.filter { schema.index(of: $0.name) == nil } : []
            var best = Double.infinity
            var rows = 0
            for _ in 0..<5 {
                var decoder = JSONBatchDecoder(schema: schema, required: DAA.requiredFields, options: options)
                let cpuStart = threadCPUSeconds()
                rows = 0
                for chunk in chunks {
                    let (batch, rejections) = decoder.decodeLines(
                        in: block, range: chunk, firstLine: 1, source: "bench", split: 0, baseOffset: Int64(chunk.lowerBound))
                    precondition(rejections.isEmpty, "unexpected rejection: \(rejections.first!)")
                    rows += batch.count
                }
                best = min(best, threadCPUSeconds() - cpuStart)
            }
            print(String(
                format: "decode W2, pattern-effectiveness' fields, other fields %@: %.0f MB per CPU-s (best of 5; %d rows, %.0f MB)",
                checked ? "checked" : "skipped", Double(lines.count) / 1e6 / best, rows, Double(lines.count) / 1e6))
        }
    }

    /// `W1Run decode [PATH]`: both decode rates, one line each.
    public static func report(w1Path: String) throws {
        let w1 = try w1Lines(path: w1Path, bytes: 100 << 20)
        let w1Rate = measure(w1, schema: DAA.metricSampleSchema, required: Set(DAA.metricSampleSchema.names))
        print(String(format: "decode W1-file lines: %.0f MB/s wall, %.0f MB per CPU-s (%d rows, %.0f MB)", w1Rate.megabytesPerSecond, w1Rate.megabytesPerCPUSecond, w1Rate.rows, Double(w1.count) / 1e6))
        let daa = try daaLines(events: 200_000)
        var options = DecoderOptions()
        options.allowedTypes = DAA.eventTypes
        let daaRate = measure(daa, schema: DAA.schema, required: DAA.requiredFields, options: options)
        print(String(format: "decode DAA events:    %.0f MB/s wall, %.0f MB per CPU-s (%d rows, %.0f MB)", daaRate.megabytesPerSecond, daaRate.megabytesPerCPUSecond, daaRate.rows, Double(daa.count) / 1e6))
    }
}
