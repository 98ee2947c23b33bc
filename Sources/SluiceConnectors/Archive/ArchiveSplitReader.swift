import SluiceCore
import SluiceFormats

/// Reads one segment of an `ArchiveSource`: frame by frame, each decompressed straight
/// into a buffer the reader owns, one frame ahead on another thread
/// (`ArchiveFramePrefetch`), lines decoded `maxRows` at a time from there, rows outside
/// the range dropped.
final class ArchiveSplitReader: SourceReader {
    private let name: String
    private let split: Int
    private let reader: ArchiveSegmentReader
    private let prefetch: ArchiveFramePrefetch
    private var decoder: JSONBatchDecoder
    private let from: Int64?
    private let to: Int64?
    private let timeColumn: Int?
    private let batchRows: Int
    /// The frames to read (indices into the segment's frames), and where we are.
    private let frames: [Int]
    private var cursor = 0
    /// The current frame's lines (in a prefetch buffer): `content[0..<contentCount]`,
    /// decoded up to `contentOffset`.
    private var content = UnsafeRawBufferPointer(start: nil, count: 0)
    private var contentCount = 0
    private var contentOffset = 0
    private var linesInFrame: Int64 = 0
    private var skipLines: Int64 = 0

    init(source: ArchiveSource, split: Int, decoder: JSONBatchDecoder, resumingAfter position: SourcePosition?) throws {
        name = source.name
        self.split = split
        let segment = source.segments[split]
        reader = try ArchiveSegmentReader(segment: segment)
        self.decoder = decoder
        from = source.from
        to = source.to
        batchRows = source.batchRows
        timeColumn = source.schema.index(of: source.timeField).flatMap {
            [.timestamp, .int64].contains(source.schema[$0].type) ? $0 : nil
        }
        let (low, high) = (source.from, source.to)
        frames = segment.frames.indices.filter { segment.frames[$0].overlaps(from: low, to: high) }
        prefetch = ArchiveFramePrefetch(
            reader: reader, largestFrameBytes: frames.map { Int(segment.frames[$0].bytes) }.max() ?? 0)
        if let position {
            let frame = Int(position.offset >> 32)
            skipLines = position.offset & 0xFFFF_FFFF
            cursor = frames.firstIndex { $0 >= frame } ?? frames.count
            if cursor < frames.count && frames[cursor] != frame { skipLines = 0 }
        }
    }

    var progress: Double? { frames.isEmpty ? 1 : Double(cursor) / Double(frames.count) }

    func close() {
        prefetch.finishPending()
        reader.close()
    }

    func next(maxRows: Int) throws -> SourceChunk {
        while contentOffset >= contentCount {
            guard cursor < frames.count else { return .end }
            try load(frame: frames[cursor])
            if contentOffset >= contentCount { cursor += 1 }  // resumed after its last line
        }
        let limit = max(1, min(maxRows, batchRows))
        let (byteCount, lines) = NewlineScan.lines(in: unread, limit: limit)
        let take = lines > 0 ? byteCount : contentCount - contentOffset  // a last line without '\n'
        let count = lines > 0 ? lines : 1
        // A nonzero base offset: archived lines never start with a byte order mark to skip.
        var (batch, rejections) = decoder.decodeLines(
            UnsafeRawBufferPointer(rebasing: content[contentOffset..<(contentOffset + take)]), firstLine: linesInFrame + 1,
            source: name, split: split, baseOffset: 1)
        contentOffset += take
        linesInFrame += Int64(count)
        if let timeColumn, from != nil || to != nil { batch = inRange(batch, timeColumn) }
        batch.position = SourcePosition(source: name, split: split, offset: Int64(frames[cursor]) << 32 | linesInFrame)
        if contentOffset >= contentCount { cursor += 1 }  // the next call loads the next frame
        return .data(batch, rejections: rejections)
    }

    private func load(frame: Int) throws {
        contentCount = 0
        contentOffset = 0
        linesInFrame = 0
        let next = cursor + 1 < frames.count ? frames[cursor + 1] : nil
        content = try prefetch.take(frame: frame, thenStart: next)
        contentCount = content.count
        // Resuming inside this frame: skip the lines already delivered.
        while skipLines > 0, contentOffset < contentCount {
            let (bytes, lines) = NewlineScan.lines(in: unread, limit: Int(skipLines))
            guard lines > 0 else {
                contentOffset = contentCount
                break
            }
            contentOffset += bytes
            linesInFrame += Int64(lines)
            skipLines -= Int64(lines)
        }
        skipLines = 0
    }

    /// The lines of the current frame not decoded yet.
    private var unread: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: content[contentOffset..<contentCount])
    }

    private func inRange(_ batch: Batch, _ column: Int) -> Batch {
        let times = batch.columns[column]
        var mask = [Bool](repeating: true, count: batch.count)
        for i in 0..<batch.count {
            if let validity = times.validity, !validity[i] { continue }
            let t = times.ints[i]
            if let from, t < from { mask[i] = false }
            if let to, t >= to { mask[i] = false }
        }
        return batch.filter(mask)
    }
}
