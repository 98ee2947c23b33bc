import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats

/// The W1-file lines archived by `ArchiveSink` (records as read from the file, byte for
/// byte), written once into `Benchmarks/.data/` next to the file and reused. The file is
/// read as one split, so the archive keeps its order: event time grows through the
/// segments like through the file (each segment ~`segmentBytes` compressed, one split each).
public enum W1ArchiveInput {
    public static func ensure(events: Int, segmentBytes: Int64 = 16 << 20) throws -> String {
        let file = try W1FileInput.ensure(events: events)
        let directory = file.replacingOccurrences(of: ".ndjson", with: ".archive")
        // The marker names the frame format, so an archive written by an older build is
        // written again (frames without content checksums, `lanes64` index checksums).
        if FileManager.default.fileExists(atPath: directory + "/complete-lanes64") { return directory }
        try? FileManager.default.removeItem(atPath: directory)
        let schema = DAA.metricSampleSchema
        var options = DecoderOptions()
        options.keepsRecords = true
        let source = try NDJSONFileSource(name: "w1", path: file, schema: schema, required: Set(schema.names), options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        let sink = ArchiveSink(name: "w1", directory: directory, maxBytes: segmentBytes)
        try sink.open(schema: schema, mode: .append)
        var batches: UInt64 = 0
        while case .data(let batch, let rejections) = try reader.next(maxRows: 4096) {
            precondition(rejections.isEmpty && batch.records != nil)
            try sink.write(batch)
            batches += 1
            if batches % 64 == 0 { try sink.commit(epoch: Epoch(batches)) }
        }
        try sink.commit(epoch: Epoch(batches + 1))
        try sink.close()
        _ = FileManager.default.createFile(atPath: directory + "/complete-lanes64", contents: Data())
        return directory
    }

    /// Bytes of the segment data files.
    public static func dataBytes(_ directory: String) throws -> Int64 {
        try ArchiveLayout.segments(in: directory).reduce(0) { $0 + $1.compressedBytes }
    }
}
