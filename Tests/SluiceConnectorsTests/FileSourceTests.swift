import Foundation
import SluiceConnectors
import SluiceCore
import SluiceFormats
import Testing

/// The NDJSON file source: splits, line numbers, positions, resuming, long lines.
@Suite struct FileSourceTests {
    /// 3000 metric lines with a bad line every 97th line; returns the bytes and the
    /// (line, reason) of every bad one.
    static func mixedFile() -> (bytes: [UInt8], bad: [(Int64, String)]) {
        var bytes: [UInt8] = []
        var bad: [(Int64, String)] = []
        for i in 0..<3000 {
            let line: String
            if i % 97 == 13 {
                line = i % 2 == 0 ? #"{"agent_id":"a","metric":"m","value":"x","ts":1764000000000}"# : "garbage"
                bad.append(
                    (
                        Int64(i + 1),
                        i % 2 == 0
                            ? "field 'value' is a string, expected double"
                            : "invalid JSON at byte 0: unexpected character 'g'"
                    ))
            } else {
                line = metricLine(UInt64(i))
            }
            bytes += Array(line.utf8) + [0x0A]
        }
        return (bytes, bad)
    }

    func source(_ path: String, splits: Int = 1, buffer: Int = 4 << 20, options: DecoderOptions = .init()) throws
        -> NDJSONFileSource
    {
        try NDJSONFileSource(
            name: "events", path: path, schema: DAA.metricSampleSchema, required: [], options: options, splits: splits,
            batchRows: 256, readBufferBytes: buffer)
    }

    @Test func missingFilesAndDirectoriesFailClearly() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let missing = dir.path("nope.ndjson")
        #expect(throws: SluiceError(.io, "cannot open '\(missing)' for reading: No such file or directory")) {
            try source(missing)
        }
        #expect(throws: SluiceError(.io, "cannot read '\(dir.url.path)': it is a directory")) {
            try source(dir.url.path)
        }
    }

    @Test func anySplitCountGivesTheSameRowsAndRejections() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, bad) = Self.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let whole = try drainAll(source(path))
        #expect(whole.rows.count == 3000 - bad.count)
        #expect(whole.rejections.map(\.line) == bad.map(\.0))
        #expect(whole.rejections.map(\.reason) == bad.map(\.1))
        for splits in [2, 3, 7] {
            for buffer in [4 << 20, 100] {
                let parts = try drainAll(source(path, splits: splits, buffer: buffer))
                #expect(parts.rows.sorted() == whole.rows.sorted(), "splits \(splits), buffer \(buffer)")
                #expect(parts.rows == whole.rows, "splits keep file order when read one after another")
                #expect(parts.rejections.map(\.line) == bad.map(\.0))
                #expect(parts.rejections.map(\.reason) == bad.map(\.1))
                #expect(parts.rejections.map(\.raw) == whole.rejections.map(\.raw))
                #expect(parts.rejections.map(\.position?.offset) == whole.rejections.map(\.position?.offset))
            }
        }
    }

    /// Decoding with other threads (`DecodeAhead`s, one or several) must give what one
    /// thread gives, chunk by chunk: rows, positions, rejections with their line numbers
    /// and offsets, an oversized line skipped while reading, and a last line without `\n`.
    @Test func decodingAheadOnOtherThreadsGivesTheSameChunks() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        var (bytes, _) = Self.mixedFile()
        let middle = bytes.count / 2
        let cut = bytes[middle...].firstIndex(of: 0x0A)! + 1
        bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 3000) + [0x0A], at: cut)
        bytes += Array(metricLine(9999).utf8)
        let path = try dir.write("mixed.ndjson", bytes)
        for buffer in [4 << 20, 2048] {
            for maxRows in [1, 7, 256, 1000] {
                for splits in [1, 3] {
                    let made = { (ahead: Int) in
                        try NDJSONFileSource(
                            name: "events", path: path, schema: DAA.metricSampleSchema, required: [],
                            options: DecoderOptions(maxRecordBytes: 1000), splits: splits, batchRows: 256,
                            readBufferBytes: buffer, decodeAhead: ahead)
                    }
                    let one = try drainAll(made(0), maxRows: maxRows)
                    #expect(one.rows.count == 3000 - 31 + 1, "buffer \(buffer), maxRows \(maxRows), splits \(splits)")
                    #expect(one.rejections.contains { $0.reason.contains("1000") }, "the oversized line is rejected")
                    for ahead in [1, 3] {
                        let two = try drainAll(made(ahead), maxRows: maxRows)
                        let label = "buffer \(buffer), maxRows \(maxRows), splits \(splits), \(ahead) ahead"
                        #expect(two.rows == one.rows, "\(label)")
                        #expect(two.positions == one.positions, "\(label)")
                        #expect(two.rejections.map(\.line) == one.rejections.map(\.line), "\(label)")
                        #expect(two.rejections.map(\.reason) == one.rejections.map(\.reason), "\(label)")
                        #expect(two.rejections.map(\.raw) == one.rejections.map(\.raw), "\(label)")
                        #expect(two.rejections.map(\.position?.offset) == one.rejections.map(\.position?.offset), "\(label)")
                    }
                }
            }
        }
    }

    @Test func splitsStartAtLineStartsAndCoverTheFile() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, _) = Self.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let source = try source(path, splits: 5)
        var expectedStart: Int64 = 0
        for split in 0..<5 {
            let range = try source.range(ofSplit: split)
            #expect(range.lowerBound == expectedStart)
            #expect(range.lowerBound == 0 || bytes[Int(range.lowerBound) - 1] == 0x0A)
            expectedStart = range.upperBound
        }
        #expect(expectedStart == Int64(bytes.count))
    }

    @Test func positionsIncreaseAndProgressReachesOne() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, _) = Self.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let source = try source(path, splits: 2)
        for split in 0..<2 {
            let range = try source.range(ofSplit: split)
            let reader = try source.openSplit(split, resumingAfter: nil)
            #expect(reader.progress == 0)
            let part = try drain(reader, maxRows: 100)
            #expect(part.positions == part.positions.sorted() && Set(part.positions).count == part.positions.count)
            #expect(part.positions.last == range.upperBound)
            #expect(part.positions.allSatisfy { $0 == range.upperBound || bytes[Int($0) - 1] == 0x0A })
            #expect(part.progress == part.progress.sorted() && part.progress.last == 1)
            #expect(try reader.next(maxRows: 100).isEnd)
        }
    }

    @Test func resumingContinuesExactlyAfterThePosition() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let (bytes, _) = Self.mixedFile()
        let path = try dir.write("mixed.ndjson", bytes)
        let source = try source(path, splits: 3, buffer: 1000)
        for split in 0..<3 {
            let full = try drain(source.openSplit(split, resumingAfter: nil), maxRows: 50)
            let first = try drain(source.openSplit(split, resumingAfter: nil), maxRows: 50, chunks: 4)
            let position = SourcePosition(source: "events", split: split, offset: first.positions.last!)
            let rest = try drain(source.openSplit(split, resumingAfter: position), maxRows: 50)
            #expect(first.rows + rest.rows == full.rows)
            #expect((first.rejections + rest.rejections).map(\.line) == full.rejections.map(\.line))
            #expect(rest.positions.last == full.positions.last)
        }
        #expect(throws: SluiceError.self) {
            try source.openSplit(1, resumingAfter: SourcePosition(source: "events", split: 0, offset: 10))
        }
        #expect(throws: SluiceError.self) {
            try source.openSplit(0, resumingAfter: SourcePosition(source: "other", split: 0, offset: 0))
        }
        #expect(throws: SluiceError.self) { try source.openSplit(3, resumingAfter: nil) }
    }

    @Test func overlongLinesAreSkippedWithoutHoldingThem() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let long = #"{"agent_id":"a","metric":""# + String(repeating: "x", count: 10_000) + #"","value":1,"ts":1764000000000}"#
        var bytes = [0xEF, 0xBB, 0xBF] + Array(long.utf8) + [0x0D, 0x0A]
        bytes += Array(metricLine(1).utf8) + [0x0D, 0x0A]
        bytes += Array(long.utf8) + [0x0A]
        bytes += Array(metricLine(2).utf8) + [0x0A]
        bytes += Array(long.utf8)
        let path = try dir.write("long.ndjson", bytes)
        for buffer in [64, 300, 4 << 20] {
            let result = try drainAll(source(path, buffer: buffer, options: DecoderOptions(maxRecordBytes: 1000)))
            #expect(result.rows.count == 2, "buffer \(buffer)")
            let reason = "record of \(long.utf8.count) bytes exceeds the limit of 1000"
            #expect(result.rejections.map(\.reason) == [reason, reason, reason])
            #expect(result.rejections.map(\.line) == [1, 3, 5])
            #expect(result.rejections.allSatisfy { $0.raw == Array(long.utf8.prefix(1000)) })
            let secondLong = Int64(3 + long.utf8.count + 2 + metricLine(1).utf8.count + 2)
            #expect(result.rejections.map(\.position?.offset) == [3, secondLong, secondLong + Int64(long.utf8.count + 1 + metricLine(2).utf8.count + 1)])
            #expect(result.positions.last == Int64(bytes.count))
        }
    }

    @Test func aByteOrderMarkCarriageReturnsAndAMissingFinalNewlineAreFine() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let text = [0xEF, 0xBB, 0xBF] + Array((metricLine(1) + "\r\n" + metricLine(2) + "\r\n\r\n" + metricLine(3)).utf8)
        let path = try dir.write("crlf.ndjson", text)
        let result = try drainAll(source(path, splits: 2))
        #expect(result.rows.count == 3)
        #expect(result.rejections.map(\.reason) == ["empty record"])
        #expect(result.rejections.map(\.line) == [3])
    }

    @Test func anEmptyFileEndsAtOnce() throws {
        let dir = try FileTestDirectory()
        defer { dir.remove() }
        let path = try dir.write("empty.ndjson", [])
        let source = try source(path, splits: 3)
        for split in 0..<3 {
            let reader = try source.openSplit(split, resumingAfter: nil)
            #expect(try reader.next(maxRows: 10).isEnd)
            #expect(reader.progress == 1)
        }
    }
}

extension SourceChunk {
    var isEnd: Bool { if case .end = self { true } else { false } }
}
