import Foundation
import SluiceCore
import SluiceFormats
import Testing

@testable import SluiceConnectors

/// A file source that keeps records gives every batch its lines exactly, while its read
/// buffer is cut, moved and reused under batches that still hold earlier blocks.
@Suite struct FileSourceRecordsTests {
    /// What a split read with `keepsRecords` handed out: each row's record, the batches
    /// kept to the end (every `holdEvery`-th non-empty one, with their records as received;
    /// the others are dropped at once), the rejected lines, and how many blocks the reader
    /// filled again.
    private struct Read {
        var received: [[UInt8]] = []
        var held: [(batch: Batch, lines: [[UInt8]])] = []
        var rejected: [Int64] = []
        var chunks = 0
        var reusedBlocks = 0
    }

    private func readRecords(
        _ path: String, options: DecoderOptions, batchRows: Int, buffer: Int, decodeAhead: Int, holdEvery: Int
    ) throws -> Read {
        var options = options
        options.keepsRecords = true
        let source = try NDJSONFileSource(
            name: "events", path: path, schema: DAA.metricSampleSchema, required: [], options: options, splits: 1,
            batchRows: batchRows, readBufferBytes: buffer, decodeAhead: decodeAhead)
        let reader = try source.openSplit(0, resumingAfter: nil)
        defer { reader.close() }
        var read = Read()
        reading: while true {
            switch try reader.next(maxRows: batchRows) {
            case .data(let batch, let rejections):
                read.rejected += rejections.compactMap(\.line)
                guard batch.count > 0 else { continue }
                let records = try #require(batch.records)
                let lines = (0..<batch.count).map { records.record($0) }
                read.received += lines
                if read.chunks % holdEvery == 0 { read.held.append((batch, lines)) }
                read.chunks += 1
            case .idle: continue
            case .end: break reading
            }
        }
        read.reusedBlocks = try #require(reader as? NDJSONFileReader).reusedBlocks
        return read
    }

    /// The kept batches' records are still the bytes they were handed out with.
    private func expectHeldUnchanged(_ read: Read) throws {
        for (batch, lines) in read.held {
            let records = try #require(batch.records)
            #expect((0..<batch.count).map { records.record($0) } == lines)
        }
    }

    @Test(arguments: [0, 1, 2])
    func recordsStayExactWhileBatchesAreHeld(decodeAhead: Int) throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, bad) = FileSourceTests.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let badLines = Set(bad.map(\.0))
        let good = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().enumerated()
            .filter { !badLines.contains(Int64($0.offset + 1)) }.map { Array($0.element) }
        // A 2 KiB buffer for ~90-byte lines: cut every 7 lines, compacted and refilled
        // every few chunks, so blocks move and come back while batches hold them. Every
        // tenth batch is kept to the end, so blocks holding none of those are filled again.
        let read = try readRecords(
            path, options: DecoderOptions(), batchRows: 7, buffer: 2048, decodeAhead: decodeAhead, holdEvery: 10)
        #expect(read.received == good)
        #expect(read.chunks > 300)
        // Helpers hold the block while they decode, so the reader moves on at most
        // compactions and must find freed blocks; alone, it mostly compacts in place.
        if decodeAhead > 0 { #expect(read.reusedBlocks > 10) }
        try expectHeldUnchanged(read)
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
        let read = try readRecords(
            path, options: DecoderOptions(maxRecordBytes: 300), batchRows: 5, buffer: 64, decodeAhead: decodeAhead,
            holdEvery: 3)
        #expect(read.rejected == [58])
        #expect(read.received == lines.enumerated().filter { $0.offset != 57 }.map { Array($0.element.utf8) })
        try expectHeldUnchanged(read)
    }
}
