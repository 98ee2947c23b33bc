import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import SluiceLZ4

/// The LZ4 archive, MB/s of NDJSON text, each beside liblz4 doing only its part on the
/// same bytes in the same iteration:
/// - write: `ArchiveSink` fed decoded batches that carry their records (records → lines →
///   LZ4 frames → segment files, a commit with fsync every 16 batches) beside
///   `LZ4FrameCompressor` compressing the same lines in the same 4 MB frames in memory,
///   with the sink's frame preferences (256 KB independent blocks, no content checksum)
///   (`ratio_pct` = archive / raw compression), the share of the archive's time spent
///   in `commit` (`commit_wait_pct`: compressing the last frame, then waiting for the data
///   and index syncs), and the row → line encoding a batch without records would need
///   (`encode_MB_s`, the path before the records seam);
/// - read: `ArchiveSegmentReader` over every segment (pread, index checksum, decompress
///   into a reused buffer) beside `LZ4FrameDecompressor` decompressing the same frames,
///   already in memory, into a reused buffer.
func registerArchiveBenchmarks() {
    let metrics: [BenchmarkMetric] = [
        .wallClock, .peakMemoryResident,
        .custom("archive_MB_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("raw_lz4_MB_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
        .custom("compressed_pct", polarity: .prefersSmaller, useScalingFactor: false),
        .custom("encode_MB_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("commit_wait_pct", polarity: .prefersSmaller, useScalingFactor: false),
    ]
    let events = min(benchEvents, 2_000_000)
    Benchmark("Archive write DAA", configuration: .init(metrics: metrics)) { benchmark in
        let (batches, lines) = try archiveInput(events: events)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let start = ContinuousClock.now
            let sink = ArchiveSink(name: "bench", directory: directory)
            try sink.open(schema: DAA.schema, mode: .append)
            var commitTime = Duration.zero  // waiting for commits (their syncs), of archiveTime
            for (i, batch) in batches.enumerated() {
                try sink.write(batch)
                if i % 16 == 15 {
                    let commitStart = ContinuousClock.now
                    try sink.commit(epoch: Epoch(UInt64(i)))
                    commitTime += ContinuousClock.now - commitStart
                }
            }
            let commitStart = ContinuousClock.now
            try sink.commit(epoch: Epoch(UInt64(batches.count)))
            try sink.close()
            commitTime += ContinuousClock.now - commitStart
            let archiveTime = ContinuousClock.now - start
            benchmark.measurement(.custom("commit_wait_pct"), Int(seconds(commitTime) / seconds(archiveTime) * 100))
            let segments = try ArchiveLayout.segments(in: directory)
            precondition(segments.reduce(0) { $0 + $1.rawBytes } == Int64(lines.count), "archived bytes differ")

            let rawStart = ContinuousClock.now
            // The sink's frame preferences: 256 KB independent blocks, no content checksum.
            let compressor = try LZ4FrameCompressor(contentChecksum: false)
            var out: [UInt8] = []
            out.reserveCapacity(lines.count / 3)
            var compressed = 0
            try lines.withUnsafeBytes { all in
                var offset = 0
                while offset < all.count {
                    let end = min(offset + (4 << 20), all.count)
                    try compressor.compressFrame(UnsafeRawBufferPointer(rebasing: all[offset..<end]), into: &out)
                    compressed += out.count
                    out.removeAll(keepingCapacity: true)
                    offset = end
                }
            }
            let rawTime = ContinuousClock.now - rawStart
            reportArchive(benchmark, bytes: lines.count, archive: archiveTime, raw: rawTime)
            // The archive's first step alone: rows to lines (where its write time goes).
            let encodeStart = ContinuousClock.now
            var encoded: [UInt8] = []
            encoded.reserveCapacity(lines.count)
            for var batch in batches {
                batch.records = nil
                ArchiveRecordEncoder.encode(batch, into: &encoded)
            }
            let encodeTime = ContinuousClock.now - encodeStart
            precondition(encoded.count == lines.count)
            benchmark.measurement(.custom("encode_MB_s"), Int(Double(lines.count) / 1e6 / seconds(encodeTime)))
            let stored = segments.reduce(0) { $0 + $1.compressedBytes }
            benchmark.measurement(.custom("compressed_pct"), Int(Double(stored) / Double(lines.count) * 100))
            blackHole(compressed)
        }
        benchmark.stopMeasurement()
    }
    Benchmark("Archive read DAA", configuration: .init(metrics: metrics)) { benchmark in
        let (batches, lines) = try archiveInput(events: events)
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = ArchiveSink(name: "bench", directory: directory)
        try sink.open(schema: DAA.schema, mode: .append)
        for (i, batch) in batches.enumerated() {
            try sink.write(batch)
            if i % 16 == 15 { try sink.commit(epoch: Epoch(UInt64(i))) }
        }
        try sink.commit(epoch: Epoch(UInt64(batches.count)))
        try sink.close()
        let segments = try ArchiveLayout.segments(in: directory)
        // The same frames in memory, for the raw side.
        var frames: [[UInt8]] = []
        for segment in segments {
            let data = [UInt8](FileManager.default.contents(atPath: segment.dataPath)!)
            for frame in segment.frames { frames.append(Array(data[Int(frame.offset)..<Int(frame.offset + frame.length)])) }
        }
        // Both sides decompress into one reused buffer (as the archive source does).
        let largest = segments.flatMap(\.frames).map { Int($0.bytes) }.max() ?? 1
        let archiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: largest, alignment: 16)
        let rawBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: largest, alignment: 16)
        defer {
            archiveBuffer.deallocate()
            rawBuffer.deallocate()
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            var read = 0
            for segment in segments {
                let reader = try ArchiveSegmentReader(segment: segment)
                for frame in segment.frames.indices { read += try reader.read(frame: frame, into: archiveBuffer) }
                reader.close()
            }
            let archiveTime = ContinuousClock.now - start
            precondition(read == lines.count, "read back \(read) bytes of \(lines.count)")

            let rawStart = ContinuousClock.now
            let decompressor = try LZ4FrameDecompressor()
            var raw = 0
            for frame in frames {
                raw += try frame.withUnsafeBytes { try decompressor.decompressFrame($0, into: rawBuffer).produced }
            }
            let rawTime = ContinuousClock.now - rawStart
            precondition(raw == lines.count, "raw decompression gave \(raw) bytes")
            reportArchive(benchmark, bytes: lines.count, archive: archiveTime, raw: rawTime)
        }
        benchmark.stopMeasurement()
    }
}

private func reportArchive(_ benchmark: Benchmark, bytes: Int, archive: Duration, raw: Duration) {
    let archiveRate = Double(bytes) / 1e6 / seconds(archive)
    let rawRate = Double(bytes) / 1e6 / seconds(raw)
    benchmark.measurement(.custom("archive_MB_s"), Int(archiveRate))
    benchmark.measurement(.custom("raw_lz4_MB_s"), Int(rawRate))
    benchmark.measurement(.custom("ratio_pct"), Int(archiveRate / rawRate * 100))
}

private func scratchDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-archive-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// DAA events as a pipeline's archive sink receives them: the generator's NDJSON lines
/// decoded in 4,096-row batches by a decoder that keeps the records (what a source does
/// when its pipeline has an archive sink), and the lines themselves.
private func archiveInput(events: Int) throws -> ([Batch], [UInt8]) {
    let source = try DAAGeneratorSource(options: DAAGeneratorOptions(agents: 2000, limit: .count(events), duplicateFraction: 0))
    let reader = try source.openSplit(0, resumingAfter: nil)
    var options = DecoderOptions()
    options.keepsRecords = true
    var decoder = JSONBatchDecoder(schema: DAA.schema, required: DAA.requiredFields, options: options)
    var batches: [Batch] = []
    var lines: [UInt8] = []
    while case .data(let generated, _) = try reader.next(maxRows: 4096) {
        let text = DAAGeneratorSource.encodeNDJSON(generated)
        let (batch, rejections) = text.withUnsafeBytes {
            decoder.decodeLines($0, firstLine: 1, source: "bench", split: 0, baseOffset: Int64(lines.count) + 1)
        }
        precondition(rejections.isEmpty && batch.count == generated.count && batch.records != nil)
        batches.append(batch)
        lines.append(contentsOf: text)
    }
    return (batches, lines)
}
