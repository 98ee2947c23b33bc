import Foundation
import SluiceCore
import SluiceFormats
import Testing

@testable import SluiceConnectors

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
                // Every tenth batch is kept to the end; the others go at once, so blocks
                // holding none of the kept ones are filled again.
                if chunks % 10 == 0 { held.append((batch, lines)) }
                chunks += 1
            case .idle: continue
            case .end: break reading
            }
        }
        #expect(received == good)
        #expect(chunks > 300)
        // Helpers hold the block while they decode, so the reader moves on at most
        // compactions and must find freed blocks; alone, it mostly compacts in place.
        if decodeAhead > 0 { #expect(try #require(reader as? NDJSONFileReader).reusedBlocks > 10) }
        for (batch, lines) in held {
            let records = try #require(batch.records)
            #expect((0..<batch.count).map { records.record($0) } == lines)
        }
    }

    /// A byte order mark, `\r\n` endings and an oversized line (skipped in pieces) in a
    /// buffer that starts small and grows: records are the lines without them, exactly.
    @Test(arguments: [0, 1])
    func recordsStayExactAcrossGrowthAndSkippedLines(decodeAhead: Int) throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        var lines = (0..<400).map { metricLine(UInt64($0)) }
        lines[57] = #"{"agent_id":"agent-000001","metric":"m","value":1,"ts":1764000000000,"pad":""# + String(repeating: "x", count: 1500) + #""}"#
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        for line in lines { bytes += Array(line.utf8) + [0x0D, 0x0A] }
        let path = try dir.write("crlf.ndjson", bytes)
        var options = DecoderOptions(maxRecordBytes: 300)
        options.keepsRecords = true
        let source = try NDJSONFileSource(
            name: "events", path: path, schema: DAA.metricSampleSchema, required: [], options: options, splits: 1,
            batchRows: 5, readBufferBytes: 64, decodeAhead: decodeAhead)
        let reader = try source.openSplit(0, resumingAfter: nil)
        defer { reader.close() }
        var received: [[UInt8]] = []
        var held: [(batch: Batch, lines: [[UInt8]])] = []
        var rejected: [Int64] = []
        reading: while true {
            switch try reader.next(maxRows: 5) {
            case .data(let batch, let rejections):
                rejected += rejections.compactMap(\.line)
                guard batch.count > 0 else { continue }
                let records = try #require(batch.records)
                let got = (0..<batch.count).map { records.record($0) }
                received += got
                if received.count % 3 == 0 { held.append((batch, got)) }
            case .idle: continue
            case .end: break reading
            }
        }
        #expect(rejected == [58])
        #expect(received == lines.enumerated().filter { $0.offset != 57 }.map { Array($0.element.utf8) })
        for (batch, lines) in held {
            let records = try #require(batch.records)
            #expect((0..<batch.count).map { records.record($0) } == lines)
        }
    }
}
