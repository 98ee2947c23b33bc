import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// A file source that keeps records gives every batch its lines exactly, while its read
/// buffer is cut, moved and reused under batches that still hold earlier blocks.
@Suite struct FileSourceRecordsTests {
    @Test(arguments: [0, 1, 2])
    func recordsStayExactWhileBatchesAreHeld(decodeAhead: Int) throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, bad) = FileSourceTests.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let badLines = Set(bad.map(\.0))
        let good = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().enumerated()
            .filter { !badLines.contains(Int64($0.offset + 1)) }.map { Array($0.element) }
        var options = DecoderOptions()
        options.keepsRecords = true
        // A 2 KiB buffer for ~90-byte lines: cut every 7 lines, compacted and refilled
        // every few chunks, so blocks move and come back while batches hold them.
        let source = try NDJSONFileSource(
            name: "events", path: path, schema: DAA.metricSampleSchema, required: [], options: options, splits: 1,
            batchRows: 7, readBufferBytes: 2048, decodeAhead: decodeAhead)
        let reader = try source.openSplit(0, resumingAfter: nil)
        defer { reader.close() }
        var received: [[UInt8]] = []
        var held: [(batch: Batch, lines: [[UInt8]])] = []
        var chunks = 0
        reading: while true {
            switch try reader.next(maxRows: 7) {
            case .data(let batch, _):
                guard batch.count > 0 else { continue }
                let records = try #require(batch.records)
                let lines = (0..<batch.count).map { records.record($0) }
                received += lines
                // Every third batch is kept to the end; the others go at once, so their
                // blocks can be filled again.
                if chunks % 3 == 0 { held.append((batch, lines)) }
                chunks += 1
            case .idle: continue
            case .end: break reading
            }
        }
        #expect(received == good)
        #expect(chunks > 300)
        for (batch, lines) in held {
            let records = try #require(batch.records)
            #expect((0..<batch.count).map { records.record($0) } == lines)
        }
    }
}
