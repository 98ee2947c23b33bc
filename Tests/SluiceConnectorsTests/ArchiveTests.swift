import Foundation
import SluiceCore
import SluiceFormats
import SluiceLZ4
import SluiceTestSupport
import Testing

@testable import SluiceConnectors

/// The LZ4 archive sink and source: read-back byte for byte, torn segments repaired,
/// rolling, and range reads that open only the segments they need.
@Suite struct ArchiveTests {
    /// DAA events as the wire carries them (the generator's lines), in batches of `rows`.
    static func wireBatches(count: Int, rows: Int = 500, start: Int64 = 1_767_225_600_000, seed: UInt64 = 5) throws
        -> [(bytes: [UInt8], batch: Batch)]
    {
        var options = DAAGeneratorOptions()
        options.seed = seed
        options.agents = 50
        options.limit = .count(count)
        options.startMillis = start
        options.duplicateFraction = 0
        let source = try DAAGeneratorSource(name: "gen", options: options)
        var decoder = JSONBatchDecoder(schema: DAA.schema, required: DAA.requiredFields)
        return try GeneratorRead.batches(source, maxRows: rows).map { generated in
            // What a pipeline's sink gets: the rows decoded from the wire bytes.
            let bytes = DAAGeneratorSource.encodeNDJSON(generated)
            var (batch, rejections) = bytes.withUnsafeBytes {
                decoder.decodeLines($0, firstLine: 1, source: "events", split: 0, baseOffset: 0)
            }
            precondition(rejections.isEmpty)
            batch.position = generated.position.map { SourcePosition(source: "events", split: 0, offset: $0.offset) }
            return (bytes, batch)
        }
    }

    /// Archives `input` into `directory` as one committed epoch, in frames of `frameBytes`.
    static func archiveInOneEpoch(_ input: [(bytes: [UInt8], batch: Batch)], into directory: String, frameBytes: Int) throws {
        let sink = ArchiveSink(name: "archive", directory: directory, frameBytes: frameBytes)
        try sink.open(schema: DAA.schema, mode: .append)
        for part in input { try sink.write(part.batch) }
        try sink.commit(epoch: Epoch(1))
        try sink.close()
    }

    static func readBack(_ directory: String) throws -> [[UInt8]] {
        try ArchiveLayout.segments(in: directory).map { try ArchiveSegmentReader(segment: $0).readAll() }
    }

    @Test func archivedEventsReadBackByteForByteInEachSegmentsOrder() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 20_000)
        // Small frames and segments: many of each.
        let sink = ArchiveSink(name: "archive", directory: dir.path, maxBytes: 64 << 10, frameBytes: 32 << 10)
        try sink.open(schema: DAA.schema, mode: .append)
        for (i, part) in input.enumerated() {
            try sink.write(part.batch)
            if i % 3 == 2 { try sink.commit(epoch: Epoch(UInt64(i))) }
        }
        try sink.commit(epoch: Epoch(999))
        try sink.close()
        let segments = try ArchiveLayout.segments(in: dir.path)
        #expect(segments.count > 3)
        #expect(segments.allSatisfy { $0.sealed })
        #expect(segments.contains { $0.frames.count > 1 })
        let written = input.flatMap(\.bytes)
        let read = try Self.readBack(dir.path)
        #expect(read.flatMap { $0 } == written)
        #expect(segments.map(\.rows).reduce(0, +) == 20_000)
        // The index describes what it holds: rows, ranges, positions.
        for (segment, bytes) in zip(segments, read) {
            #expect(segment.rows == bytes.filter { $0 == 0x0A }.count)
            #expect(segment.rawBytes == Int64(bytes.count))
            #expect(segment.compressedBytes < segment.rawBytes / 2)
        }
        let times = input.flatMap { GeneratorRead.ints([$0.batch], "ts") }
        #expect(segments.compactMap(\.minTime).min() == times.min())
        #expect(segments.compactMap(\.maxTime).max() == times.max())
        #expect(segments.last?.frames.last?.positions.last?.offset == input.last?.batch.position?.offset)
        // A segment data file is a plain LZ4 stream the lz4 tool reads.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
            process.arguments = ["-d", "-c", segments[1].dataPath]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(Array(output) == read[1])
        }
    }

    /// Archives the first four parts as epoch 1 and the rest as epoch 2, committed or not,
    /// then drops the sink without closing it (a crash); the bytes of epoch 1.
    static func archiveTwoEpochs(
        _ input: [(bytes: [UInt8], batch: Batch)], in dir: TemporaryDirectory, committingTheSecond: Bool
    ) throws -> [UInt8] {
        var committed: [UInt8] = []
        let sink = ArchiveSink(name: "archive", directory: dir.path, frameBytes: 16 << 10)
        try sink.open(schema: DAA.schema, mode: .append)
        for part in input[0..<4] {
            try sink.write(part.batch)
            committed += part.bytes
        }
        try sink.commit(epoch: Epoch(1))
        for part in input[4...] { try sink.write(part.batch) }
        if committingTheSecond { try sink.commit(epoch: Epoch(2)) }
        return committed
    }

    @Test func aTornSegmentIsRepairedOnOpenAndNeverReadAsGarbage() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 6_000)
        // Epoch 2 is written (frames reach the file) but never commits: the crash. The
        // process dies there: no commit, no close (the sink is just dropped).
        let committed = try Self.archiveTwoEpochs(input, in: dir, committingTheSecond: false)
        let segment = try #require(try ArchiveLayout.segments(in: dir.path).first)
        let dataSize = ArchiveRepair.fileSize(segment.dataPath)
        #expect(dataSize > segment.committedEnd, "the uncommitted epoch's frames are in the file")
        // A torn index append as well.
        let index = try FileHandle(forWritingTo: URL(fileURLWithPath: segment.indexPath))
        try index.seekToEnd()
        try index.write(contentsOf: Data("{\"frame\":{\"offset\":".utf8))
        try index.close()
        // Readers see only committed frames, even before any repair.
        #expect(try Self.readBack(dir.path).flatMap { $0 } == committed)

        let reopened = ArchiveSink(name: "archive", directory: dir.path)
        try reopened.open(schema: DAA.schema, mode: .append)
        #expect(reopened.repairs.count == 1)
        let action = try #require(reopened.repairs.first?.action)
        #expect(action.contains("torn index bytes") && action.contains("torn bytes after frame") && action.contains("sealed"))
        #expect(ArchiveRepair.fileSize(segment.dataPath) == segment.committedEnd)
        // The restart writes a new segment after the repaired one.
        try reopened.write(input[5].batch)
        try reopened.commit(epoch: Epoch(3))
        try reopened.close()
        let segments = try ArchiveLayout.segments(in: dir.path)
        #expect(segments.map(\.number) == [1, 2])
        #expect(try Self.readBack(dir.path) == [committed, input[5].bytes])
        // A second open finds nothing to repair.
        let again = ArchiveSink(name: "archive", directory: dir.path)
        try again.open(schema: DAA.schema, mode: .append)
        #expect(again.repairs.isEmpty)
        try again.close()
    }

    /// A commit syncs data and index together, so a crash during one can leave a frame's
    /// index line on disk while the frame's bytes are not: the file ends inside the frame
    /// ("short"), or it has its length but holds zeros ("zeros": an extent never written).
    /// Readers then get an error, never text; the next open checks the last epoch against
    /// its checksums and cuts it off whole, even its intact frames.
    @Test func anIndexedFrameWhoseDataDidNotReachTheDiskIsCutOffWithItsWholeEpoch() throws {
        for tear in ["short", "zeros"] {
            let dir = try TemporaryDirectory()
            let input = try Self.wireBatches(count: 6_000)
            // The crash after epoch 2's commit: no close, its index lines are on disk.
            let committed = try Self.archiveTwoEpochs(input, in: dir, committingTheSecond: true)
            let before = try #require(try ArchiveLayout.segments(in: dir.path).first)
            let epoch1 = before.frames.filter { $0.epoch == 1 }
            let epoch2 = before.frames.filter { $0.epoch == 2 }
            try #require(epoch1.count >= 1 && epoch2.count >= 3, "epoch 2 spans several frames")
            #expect(before.frames.count == epoch1.count + epoch2.count && !before.sealed)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: before.dataPath))
            if tear == "short" {
                // The file ends halfway into epoch 2's last frame.
                let last = epoch2[epoch2.count - 1]
                try handle.truncate(atOffset: UInt64(last.offset + last.length / 2))
            } else {
                // A middle frame of epoch 2 reads as zeros; the frames around it are intact.
                let middle = epoch2[epoch2.count / 2]
                try handle.seek(toOffset: UInt64(middle.offset))
                try handle.write(contentsOf: Data(repeating: 0, count: Int(middle.length)))
            }
            try handle.close()
            #expect(throws: SluiceError.self, "\(tear): an error before the repair, never text") {
                _ = try Self.readBack(dir.path)
            }

            let reopened = ArchiveSink(name: "archive", directory: dir.path)
            try reopened.open(schema: DAA.schema, mode: .append)
            let action = try #require(reopened.repairs.first?.action, "\(tear): repaired")
            #expect(reopened.repairs.count == 1)
            #expect(action.contains("dropped the last epoch's \(epoch2.count) indexed frames") && action.contains("sealed"), "\(action)")
            let after = try #require(try ArchiveLayout.segments(in: dir.path).first)
            #expect(after.frames == epoch1 && after.sealed)
            #expect(ArchiveRepair.fileSize(after.dataPath) == after.committedEnd)
            #expect(try Self.readBack(dir.path) == [committed], "\(tear): exactly epoch 1")
            try reopened.close()
            let again = ArchiveSink(name: "archive", directory: dir.path)
            try again.open(schema: DAA.schema, mode: .append)
            #expect(again.repairs.isEmpty)
            try again.close()
        }
    }

    @Test func aDamagedCommittedFrameIsAnErrorNotText() throws {
        let dir = try TemporaryDirectory()
        let sink = ArchiveSink(name: "archive", directory: dir.path)
        try sink.open(schema: DAA.schema, mode: .append)
        try sink.write(try Self.wireBatches(count: 2_000)[0].batch)
        try sink.commit(epoch: Epoch(1))
        try sink.close()
        let segment = try #require(try ArchiveLayout.segments(in: dir.path).first)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: segment.dataPath))
        try handle.seek(toOffset: 40)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        #expect(throws: SluiceError.self) { try ArchiveSegmentReader(segment: segment).readAll() }
    }

    /// New frames carry the fast index checksum (`lanes64`) and no LZ4 content checksum;
    /// a flipped byte anywhere in a frame still fails its index checksum.
    @Test func framesCarryTheIndexChecksumInsteadOfAContentChecksum() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 3_000)
        try Self.archiveInOneEpoch(input, into: dir.path, frameBytes: 64 << 10)
        let segment = try #require(try ArchiveLayout.segments(in: dir.path).first)
        #expect(segment.frames.count > 2)
        #expect(segment.frames.allSatisfy { $0.checksumKind == "lanes64" })
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment.dataPath)))
        for frame in segment.frames {
            // FLG byte after the 4-byte magic: bit 2 is LZ4's content checksum flag.
            #expect(data[Int(frame.offset) + 4] & 0x04 == 0)
            let bytes = Array(data[Int(frame.offset)..<Int(frame.offset + frame.length)])
            #expect(bytes.withUnsafeBytes { ArchiveChecksum.lanes64($0) } == frame.checksum)
        }
        #expect(try ArchiveSegmentReader(segment: segment).readAll() == input.flatMap(\.bytes))
        // Every single-byte change of a frame changes its checksum (a sample of positions).
        let frame = segment.frames[1]
        var bytes = Array(data[Int(frame.offset)..<Int(frame.offset + frame.length)])
        for at in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            bytes[at] ^= 0x01
            #expect(bytes.withUnsafeBytes { ArchiveChecksum.lanes64($0) } != frame.checksum, "byte \(at)")
            bytes[at] ^= 0x01
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: segment.dataPath))
        try handle.seek(toOffset: UInt64(frame.offset + frame.length - 1))
        try handle.write(contentsOf: Data([data[Int(frame.offset + frame.length - 1)] ^ 0x01]))
        try handle.close()
        #expect(throws: SluiceError.self) { try ArchiveSegmentReader(segment: segment).readAll() }
    }

    /// An archive written before the index checksum kinds (frames with LZ4 content
    /// checksums, `StableHash` in index lines without `checksumKind`) reads back, through
    /// the segment reader and the source; a wrong old checksum is still refused.
    @Test func archivesWithTheOldChecksumStillRead() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 3_000)
        let compressor = try LZ4FrameCompressor()  // content checksum on, as before
        var data: [UInt8] = []
        var index: [UInt8] = []
        for part in input {
            var frame: [UInt8] = []
            try compressor.compressFrame(part.bytes, into: &frame)
            let old = ArchiveFrame(
                offset: Int64(data.count), length: Int64(frame.count), rows: part.batch.count, bytes: Int64(part.bytes.count),
                minTime: nil, maxTime: nil, positions: [], checksum: frame.withUnsafeBytes { StableHash.hash(bytes: $0) },
                epoch: 1)
            index += ArchiveIndexLine(frame: old, sealed: nil).encoded()
            data += frame
        }
        index += ArchiveIndexLine(frame: nil, sealed: true).encoded()
        #expect(!String(decoding: index, as: UTF8.self).contains("checksumKind"))
        try Data(data).write(to: URL(fileURLWithPath: ArchiveLayout.dataPath(dir.path, 1)))
        try Data(index).write(to: URL(fileURLWithPath: ArchiveLayout.indexPath(dir.path, 1)))
        let segment = try #require(try ArchiveLayout.segments(in: dir.path).first)
        #expect(segment.sealed && segment.frames.count == input.count)
        #expect(try ArchiveSegmentReader(segment: segment).readAll() == input.flatMap(\.bytes))
        let source = try ArchiveSource(name: "old", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var rows = 0
        while case .data(let batch, let rejections) = try reader.next(maxRows: 700) {
            #expect(rejections.isEmpty)
            rows += batch.count
        }
        reader.close()
        #expect(rows == 3_000)
        var wrong = segment
        wrong.frames[2].checksum ^= 1
        #expect(throws: SluiceError.self) { try ArchiveSegmentReader(segment: wrong).readAll() }
    }

    /// The source reads frames one ahead on another thread: a damaged frame is still an
    /// error when the reader reaches it, after the rows of the frames before it, each once.
    @Test func aDamagedFrameReadAheadIsAnErrorWhenReached() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 4_000)
        try Self.archiveInOneEpoch(input, into: dir.path, frameBytes: 32 << 10)
        let segment = try #require(try ArchiveLayout.segments(in: dir.path).first)
        #expect(segment.frames.count > 4)
        let damaged = segment.frames[3]
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: segment.dataPath))
        try handle.seek(toOffset: UInt64(damaged.offset + damaged.length / 2))
        try handle.write(contentsOf: Data([0x00, 0xFF, 0x00, 0xFF]))
        try handle.close()
        let source = try ArchiveSource(name: "a", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var rows = 0
        var failure: (any Error)?
        do {
            while case .data(let batch, _) = try reader.next(maxRows: 100) { rows += batch.count }
        } catch {
            failure = error
        }
        reader.close()
        #expect(failure is SluiceError)
        #expect(rows == segment.frames[..<3].reduce(0) { $0 + $1.rows })
    }

    /// A split decodes chunks on other threads (one or several): the rows, their order, the
    /// positions and a resume inside a frame are the same as with one decoding thread.
    @Test func decodersAheadHandOutWhatOneDecoderDoes() throws {
        let dir = try TemporaryDirectory()
        let input = try Self.wireBatches(count: 4_000)
        try Self.archiveInOneEpoch(input, into: dir.path, frameBytes: 32 << 10)
        let ts = DAA.schema.index(of: "ts")!
        let times = input.flatMap { part in (0..<part.batch.count).map { part.batch.columns[ts].ints[$0] } }
        let (earliest, latest) = (times.min()!, times.max()!)
        func drain(_ source: ArchiveSource, ahead: Int, after position: SourcePosition?, maxRows: Int) throws
            -> (times: [Int64], positions: [Int64])
        {
            let decoder = JSONBatchDecoder(schema: DAA.schema, required: DAA.requiredFields)
            let reader = try ArchiveSplitReader(source: source, split: 0, decoder: decoder, resumingAfter: position, decodeAhead: ahead)
            defer { reader.close() }
            var times: [Int64] = []
            var positions: [Int64] = []
            while case .data(let batch, let rejections) = try reader.next(maxRows: maxRows) {
                #expect(rejections.isEmpty)
                times += (0..<batch.count).map { batch.columns[ts].ints[$0] }
                positions.append(batch.position?.offset ?? -1)
            }
            return (times, positions)
        }
        let quarter = (latest - earliest) / 4
        for (from, to) in [(nil, nil), (earliest + quarter, latest - quarter)] as [(Int64?, Int64?)] {
            let source = try ArchiveSource(
                name: "a", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields, from: from, to: to)
            #expect(source.segments.count == 1)
            #expect(source.segments[0].frames.count > 4)
            for maxRows in [7, 100, 1_000] {
                let one = try drain(source, ahead: 0, after: nil, maxRows: maxRows)
                #expect(!one.times.isEmpty)
                let middle = SourcePosition(source: "a", split: 0, offset: one.positions[one.positions.count / 2])
                let restOne = try drain(source, ahead: 0, after: middle, maxRows: maxRows)
                #expect(!restOne.positions.isEmpty)
                #expect(restOne.positions.last == one.positions.last)
                for ahead in [1, 3] {
                    let label = "maxRows \(maxRows), from \(String(describing: from)), \(ahead) ahead"
                    let many = try drain(source, ahead: ahead, after: nil, maxRows: maxRows)
                    #expect(many.times == one.times, "\(label)")
                    #expect(many.positions == one.positions, "\(label)")
                    // Resume after a chunk in the middle: the rest, the same either way.
                    let restMany = try drain(source, ahead: ahead, after: middle, maxRows: maxRows)
                    #expect(restMany.times == restOne.times, "\(label)")
                    #expect(restMany.positions == restOne.positions, "\(label)")
                }
            }
        }
    }

    /// `progress` counts the rows handed out, not what helper decoders were given ahead:
    /// with three of them it matches the reader without helpers chunk by chunk, rises
    /// with each chunk, and reaches 1 with the last (also when resumed mid-file).
    @Test func progressFollowsWhatWasHandedOut() throws {
        let dir = try TemporaryDirectory()
        try Self.archiveInOneEpoch(try Self.wireBatches(count: 3_000), into: dir.path, frameBytes: 32 << 10)
        let source = try ArchiveSource(name: "a", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields)
        #expect(source.segments[0].frames.count > 4)
        func progresses(ahead: Int, after position: SourcePosition?) throws -> (values: [Double], positions: [Int64]) {
            let decoder = JSONBatchDecoder(schema: DAA.schema, required: DAA.requiredFields)
            let reader = try ArchiveSplitReader(source: source, split: 0, decoder: decoder, resumingAfter: position, decodeAhead: ahead)
            defer { reader.close() }
            var values = [reader.progress ?? -1]
            var positions: [Int64] = []
            while case .data(let batch, _) = try reader.next(maxRows: 100) {
                values.append(reader.progress ?? -1)
                positions.append(batch.position?.offset ?? -1)
            }
            values.append(reader.progress ?? -1)
            return (values, positions)
        }
        let alone = try progresses(ahead: 0, after: nil)
        let ahead = try progresses(ahead: 3, after: nil)
        #expect(ahead.values == alone.values)
        #expect(alone.values.first == 0 && alone.values.last == 1)
        // Every chunk handed out (all but the final `.end`) adds rows; the last one reaches 1.
        let handedOut = alone.values.dropLast()
        #expect(zip(handedOut, handedOut.dropFirst()).allSatisfy { $0 < $1 })
        #expect(handedOut.last == 1)
        let middle = SourcePosition(source: "a", split: 0, offset: alone.positions[alone.positions.count / 2])
        let resumed = try progresses(ahead: 3, after: middle)
        let atMiddle = alone.values[alone.positions.count / 2 + 1]
        #expect(resumed.values.first == atMiddle && resumed.values.last == 1)
        #expect(Array(resumed.values.dropFirst()) == Array(alone.values.suffix(resumed.values.count - 1)))
    }

    @Test func oneSinkPerDirectory() throws {
        let dir = try TemporaryDirectory()
        let first = ArchiveSink(name: "a", directory: dir.path)
        try first.open(schema: DAA.schema, mode: .append)
        #expect(throws: SluiceError.self) { try ArchiveSink(name: "b", directory: dir.path).open(schema: DAA.schema, mode: .append) }
        try first.close()
    }

    @Test func segmentsRollByTimeAtCommits() throws {
        let dir = try TemporaryDirectory()
        let clock = ManualTimeSource(startingAt: 0)
        let sink = ArchiveSink(name: "a", directory: dir.path, rollEveryMillis: 60_000, timeSource: clock)
        try sink.open(schema: DAA.schema, mode: .append)
        let input = try Self.wireBatches(count: 3_000)
        for (i, part) in input.enumerated() {
            try sink.write(part.batch)
            try sink.commit(epoch: Epoch(UInt64(i + 1)))
            clock.advance(byMillis: 25_000)
        }
        try sink.close()
        // A segment is finished at the first commit 60 s or more after it started: the
        // commits at 0, 25, 50 and 75 s go to the first, 100 and 125 s to the second.
        #expect(try ArchiveLayout.segments(in: dir.path).map(\.frames.count) == [4, 2])
    }

    /// Six segments of one hour of event time each; a range over hours 2 and 3 reads two
    /// splits, and the other segments' data files are never opened (they are deleted
    /// before the read: opening one would fail).
    @Test func aRangeReadOpensOnlyOverlappingSegmentsAndFiltersRows() throws {
        let dir = try TemporaryDirectory()
        let hour: Int64 = 3_600_000
        let base: Int64 = 1_767_225_600_000
        let sink = ArchiveSink(name: "a", directory: dir.path, maxBytes: 1)  // roll at every commit
        try sink.open(schema: DAA.schema, mode: .append)
        var all: [Batch] = []
        for h in 0..<6 {
            // duration-limited generator runs would be slower; shift one run per hour.
            for part in try Self.wireBatches(count: 1_000, start: base + Int64(h) * hour, seed: UInt64(h + 1)) {
                try sink.write(part.batch)
                all.append(part.batch)
            }
            try sink.commit(epoch: Epoch(UInt64(h + 1)))
        }
        try sink.close()
        let segments = try ArchiveLayout.segments(in: dir.path)
        #expect(segments.count == 6)
        // From the middle of hour 2's events to the middle of hour 3's.
        let from = (segments[2].minTime! + segments[2].maxTime!) / 2
        let to = (segments[3].minTime! + segments[3].maxTime!) / 2
        let wanted = segments.filter { $0.overlaps(from: from, to: to) }.map(\.number)
        #expect(wanted == [3, 4])
        for segment in segments where !wanted.contains(segment.number) { try FileManager.default.removeItem(atPath: segment.dataPath) }

        let source = try ArchiveSource(
            name: "events", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields, from: from, to: to, splits: 8)
        #expect(source.splitCount == 2, "at most one split per segment read")
        var ids: [String] = []
        for split in 0..<source.splitCount {
            for batch in try GeneratorRead.batches(source, split: split, maxRows: 700) {
                ids += GeneratorRead.strings([batch], "id").map { $0 ?? "" }
                #expect(GeneratorRead.ints([batch], "ts").allSatisfy { $0 >= from && $0 < to })
            }
        }
        let expected = all.flatMap { batch in
            zip(GeneratorRead.strings([batch], "id"), GeneratorRead.ints([batch], "ts")).filter { $0.1 >= from && $0.1 < to }
                .map { $0.0 ?? "" }
        }
        #expect(!expected.isEmpty)
        #expect(ids == expected)
    }

    @Test func aSplitResumesAfterItsPosition() throws {
        let dir = try TemporaryDirectory()
        let sink = ArchiveSink(name: "a", directory: dir.path, frameBytes: 20 << 10)
        try sink.open(schema: DAA.schema, mode: .append)
        for part in try Self.wireBatches(count: 3_000) { try sink.write(part.batch) }
        try sink.commit(epoch: Epoch(1))
        try sink.close()
        let source = try ArchiveSource(name: "events", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields)
        let whole = GeneratorRead.strings(try GeneratorRead.batches(source, maxRows: 333), "id")
        #expect(whole.count == 3_000)
        let first = try GeneratorRead.batches(source, maxRows: 333)
        for cut in [1, 4, first.count - 2] {
            let rest = try GeneratorRead.batches(source, after: first[cut - 1].position, maxRows: 333)
            let before = GeneratorRead.strings(Array(first[..<cut]), "id")
            #expect(before + GeneratorRead.strings(rest, "id") == whole, "resumed after batch \(cut)")
        }
    }

    /// Each split reads a run of consecutive segments: the splits, one after another, give
    /// the archive's rows in write order; a split resumes across its segments' boundaries,
    /// and refuses a position in a segment it does not read.
    @Test func splitsReadRunsOfConsecutiveSegments() throws {
        let dir = try TemporaryDirectory()
        let sink = ArchiveSink(name: "a", directory: dir.path, maxBytes: 1, frameBytes: 16 << 10)
        try sink.open(schema: DAA.schema, mode: .append)
        for (epoch, part) in try Self.wireBatches(count: 3_000).enumerated() {
            try sink.write(part.batch)
            try sink.commit(epoch: Epoch(UInt64(epoch + 1)))  // a segment per commit: maxBytes 1
        }
        try sink.close()
        let segments = try ArchiveLayout.segments(in: dir.path)
        #expect(segments.count == 6)
        let all = try ArchiveSource(name: "events", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields, splits: 1)
        let whole = GeneratorRead.strings(try GeneratorRead.batches(all, maxRows: 250), "id")
        #expect(whole.count == 3_000)
        for splits in [1, 2, 4, 6, 9] {
            let source = try ArchiveSource(
                name: "events", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields, splits: splits)
            #expect(source.splitCount == min(splits, 6))
            #expect(source.splitSegments.flatMap { $0 } == segments, "runs of consecutive segments, each once")
            #expect(source.splitSegments.allSatisfy { !$0.isEmpty })
            var ids: [String?] = []
            for split in 0..<source.splitCount { ids += GeneratorRead.strings(try GeneratorRead.batches(source, split: split, maxRows: 250), "id") }
            #expect(ids == whole, "\(splits) splits")
        }
        // Two splits of three segments: resume split 0 after each of its batches.
        let two = try ArchiveSource(name: "events", directory: dir.path, schema: DAA.schema, required: DAA.requiredFields, splits: 2)
        #expect(two.splitSegments.map { $0.map(\.number) } == [[1, 2, 3], [4, 5, 6]])
        let first = try GeneratorRead.batches(two, split: 0, maxRows: 300)
        let firstIDs = GeneratorRead.strings(first, "id")
        for cut in 1..<first.count {
            let rest = try GeneratorRead.batches(two, split: 0, after: first[cut - 1].position, maxRows: 300)
            #expect(GeneratorRead.strings(Array(first[..<cut]), "id") + GeneratorRead.strings(rest, "id") == firstIDs, "after batch \(cut)")
        }
        // A position in segment 4 is split 1's: split 0 refuses it rather than guess.
        let elsewhere = try #require(try GeneratorRead.batches(two, split: 1, maxRows: 300).first?.position)
        #expect(throws: SluiceError.self) { try two.openSplit(0, resumingAfter: SourcePosition(source: "events", split: 0, offset: elsewhere.offset)) }
        // A position written before positions named segments (`frame << 32 | lines`) reads
        // as segment f >> 8 (segments are numbered from 1, so f < 256 names none), frame
        // 256 × f mod 65,536, which no segment here has: frame 257 reads as segment 1's
        // frame 256, refused, where it used to resume at the next segment silently.
        #expect(segments[0].number == 1 && segments[0].frames.count < 256)
        #expect(ArchivePosition.parts(Int64(257) << 32 | 5) == (segment: 1, frame: 256, lines: 5))
        #expect(throws: SluiceError.self) {
            try two.openSplit(0, resumingAfter: SourcePosition(source: "events", split: 0, offset: Int64(257) << 32 | 5))
        }
        // More lines than the frame holds: refused too.
        let (number, frame, _) = ArchivePosition.parts(first[0].position!.offset)
        let tooFar = ArchivePosition.offset(segment: number, frame: frame, lines: Int64(segments[0].frames[frame].rows) + 1)
        #expect(throws: SluiceError.self) { try two.openSplit(0, resumingAfter: SourcePosition(source: "events", split: 0, offset: tooFar)) }
    }

    /// `retention`: sealed segments whose newest event is older than the cut-off go, on
    /// open and when a segment seals; the segment being written stays whatever its age.
    @Test func retentionDropsOnlySealedSegmentsOlderThanIt() throws {
        let dir = try TemporaryDirectory()
        let day: Int64 = 86_400_000
        let now: Int64 = 1_767_225_600_000 + 30 * day
        let clock = ManualTimeSource(startingAt: now)
        let old = try Self.wireBatches(count: 500, start: now - 10 * day)
        let recent = try Self.wireBatches(count: 500, start: now - day, seed: 6)
        // A segment per commit: each seals at its commit.
        let rolling = ArchiveSink(name: "a", directory: dir.path, maxBytes: 1, retentionMillis: 7 * day, timeSource: clock)
        try rolling.open(schema: DAA.schema, mode: .append)
        for part in old { try rolling.write(part.batch) }
        try rolling.commit(epoch: Epoch(1))
        #expect(rolling.expired == [1], "sealed and ten days old: gone at its seal")
        for part in recent { try rolling.write(part.batch) }
        try rolling.commit(epoch: Epoch(2))
        try rolling.close()
        #expect(rolling.expired == [1])
        #expect(try ArchiveLayout.segments(in: dir.path).map(\.number) == [2])
        #expect(!FileManager.default.fileExists(atPath: ArchiveLayout.dataPath(dir.path, 1)))

        // The open segment is never dropped, however old its events.
        let open = ArchiveSink(name: "a", directory: dir.path, retentionMillis: 7 * day, timeSource: clock)
        try open.open(schema: DAA.schema, mode: .append)
        for part in old { try open.write(part.batch) }
        try open.commit(epoch: Epoch(3))
        #expect(open.expired.isEmpty)
        #expect(try ArchiveLayout.segments(in: dir.path).map(\.number) == [2, 3])
        try open.close()

        // Reopened a week later: the now-sealed old segment goes, then the recent one.
        let reopened = ArchiveSink(name: "a", directory: dir.path, retentionMillis: 7 * day, timeSource: clock)
        try reopened.open(schema: DAA.schema, mode: .append)
        #expect(reopened.expired == [3])
        try reopened.close()
        clock.advance(byMillis: 7 * day)
        let later = ArchiveSink(name: "a", directory: dir.path, retentionMillis: 7 * day, timeSource: clock)
        try later.open(schema: DAA.schema, mode: .append)
        #expect(later.expired == [2])
        try later.close()
        #expect(try ArchiveLayout.segments(in: dir.path).isEmpty)
    }
}
