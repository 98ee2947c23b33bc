import SluiceCore
import SluiceFormats

/// Reads one split of an `ArchiveSource` (a run of consecutive segments, in order): frame
/// by frame, each decompressed straight
/// into a buffer the reader owns, one frame ahead on another thread
/// (`ArchiveFramePrefetch`), lines decoded `maxRows` at a time from there, most chunks
/// on helper threads (`DecodeAhead`, as a file split does: decoding JSON, not LZ4, is
/// most of the work, so one decoding thread left the archive slower than the file),
/// rows outside the range dropped.
final class ArchiveSplitReader: SourceReader {
    private let name: String
    private let split: Int
    private let segments: [ArchiveSegment]
    private let prefetch: ArchiveFramePrefetch
    private var decoder: JSONBatchDecoder
    private let from: Int64?
    private let to: Int64?
    private let timeColumn: Int?
    private let batchRows: Int
    /// The frames to read, in order, and where we are.
    private let frames: [ArchiveFrameRef]
    private var cursor = 0
    /// The current frame's lines (in a prefetch buffer): `content[0..<contentCount]`,
    /// decoded up to `contentOffset`.
    private var content = UnsafeRawBufferPointer(start: nil, count: 0)
    private var contentCount = 0
    private var contentOffset = 0
    private var linesInFrame: Int64 = 0
    private var skipLines: Int64 = 0
    /// The share of the split's rows handed out (`progress`): chunks are cut ahead of
    /// delivery, for the helper decoders, so `cursor` runs ahead of what the caller has.
    private var delivered = 0.0
    /// Rows of `frames` before each one (and all of them last), so a position's share is a
    /// binary search away: a split over hours of archive has a frame per commit, tens of
    /// thousands, and a scan per chunk would make reading quadratic. By rows, not frames:
    /// a commit's frame can be tiny next to a full one.
    private let rowsBefore: [Int]
    /// Segment number → index in `segments`.
    private let segmentIndex: [Int: Int]
    /// The helper decoders (none: this thread decodes every chunk), and the chunks cut
    /// ahead for them, in segment order.
    private let aheads: [DecodeAhead]
    private var queue = DecodeAheadQueue<SourcePosition>()

    init(
        source: ArchiveSource, split: Int, decoder: JSONBatchDecoder, resumingAfter position: SourcePosition?,
        decodeAhead: Int
    ) throws {
        aheads = (0..<decodeAhead).map { _ in DecodeAhead(decoder: decoder) }
        name = source.name
        self.split = split
        let segments = source.splitSegments[split]
        self.segments = segments
        self.decoder = decoder
        from = source.from
        to = source.to
        batchRows = source.batchRows
        timeColumn = source.schema.index(of: source.timeField).flatMap {
            [.timestamp, .int64].contains(source.schema[$0].type) ? $0 : nil
        }
        let (low, high) = (source.from, source.to)
        frames = segments.indices.flatMap { s in
            segments[s].frames.indices.filter { segments[s].frames[$0].overlaps(from: low, to: high) }
                .map { ArchiveFrameRef(segment: s, frame: $0) }
        }
        var rowsBefore = [0]
        rowsBefore.reserveCapacity(frames.count + 1)
        for ref in frames { rowsBefore.append(rowsBefore[rowsBefore.count - 1] + segments[ref.segment].frames[ref.frame].rows) }
        self.rowsBefore = rowsBefore
        segmentIndex = Dictionary(segments.indices.map { (segments[$0].number, $0) }, uniquingKeysWith: { first, _ in first })
        prefetch = ArchiveFramePrefetch(
            segments: segments,
            largestFrameBytes: frames.map { Int(segments[$0.segment].frames[$0.frame].bytes) }.max() ?? 0)
        if let position {
            let (number, frame, lines) = ArchivePosition.parts(position.offset)
            guard let segment = segments.firstIndex(where: { $0.number == number }) else {
                throw SluiceError(
                    .invalidArgument,
                    "source '\(name)' split \(split) cannot resume at \(position): it reads segments \(segments.map(\.number)), not \(number) (the archive or the split count changed since the checkpoint)")
            }
            // A position this archive cannot hold (a frame the segment lacks, more lines than
            // its frame): refused, not skipped past. Positions written before segment numbers
            // were in them (`frame << 32 | lines`) read as such a frame here.
            let segmentFrames = segments[segment].frames
            guard frame < segmentFrames.count, lines <= Int64(segmentFrames[frame].rows) else {
                throw SluiceError(
                    .invalidArgument,
                    "source '\(name)' split \(split) cannot resume at \(position): segment \(number) has \(segmentFrames.count) frames"
                        + (frame < segmentFrames.count ? ", and frame \(frame) \(segmentFrames[frame].rows) rows, not \(lines)" : ", not frame \(frame)")
                        + " (a position from before archive positions named segments, or another archive)")
            }
            let resumed = ArchiveFrameRef(segment: segment, frame: frame)
            skipLines = lines
            cursor = frames.firstIndex { $0 >= resumed } ?? frames.count
            if cursor < frames.count && frames[cursor] != resumed { skipLines = 0 }
            delivered = share(through: position)
        }
    }

    var progress: Double? { frames.isEmpty ? 1 : delivered }

    /// The share of the split's rows read up to and including `position`: the rows of the
    /// frames before its frame, and its frame's lines so far.
    private func share(through position: SourcePosition) -> Double {
        let total = rowsBefore[rowsBefore.count - 1]
        guard total > 0 else { return 1 }
        let (number, frame, lines) = ArchivePosition.parts(position.offset)
        // Positions come from this split's own chunks, which name its own segments.
        guard let segment = segmentIndex[number] else {
            assertionFailure("position \(position) names a segment split \(split) does not read")
            return delivered
        }
        let ref = ArchiveFrameRef(segment: segment, frame: frame)
        var low = 0
        var high = frames.count
        while low < high {
            let mid = (low + high) / 2
            if frames[mid] < ref { low = mid + 1 } else { high = mid }
        }
        var done = rowsBefore[low]
        if low < frames.count && frames[low] == ref {
            done += min(Int(clamping: lines), segments[segment].frames[frame].rows)
        }
        return Double(done) / Double(total)
    }

    func close() { prefetch.close() }

    func next(maxRows: Int) throws -> SourceChunk {
        let chunk: SourceChunk
        if aheads.isEmpty {
            guard case .decoded(let decoded) = try step(maxRows: maxRows, ahead: nil) else { preconditionFailure("no helper decoder") }
            chunk = decoded
        } else {
            chunk = try queue.next(
                aheads: aheads, cut: { try step(maxRows: maxRows, ahead: $0) },
                finish: { position, decoded in finish(decoded.0, decoded.1, at: position) })
        }
        switch chunk {
        case .data(let batch, _): if let position = batch.position { delivered = share(through: position) }
        case .end: delivered = 1
        default: break
        }
        return chunk
    }

    private typealias Step = DecodeAheadQueue<SourcePosition>.Step

    /// The next `maxRows` lines (at most): decoded here, or started on `ahead` (a helper
    /// with room).
    private func step(maxRows: Int, ahead: DecodeAhead?) throws -> Step {
        while contentOffset >= contentCount {
            guard cursor < frames.count else { return .decoded(.end) }
            try load(frame: frames[cursor])
            if contentOffset >= contentCount { cursor += 1 }  // resumed after its last line
        }
        let limit = max(1, min(maxRows, batchRows))
        let (byteCount, lines) = NewlineScan.lines(in: unread, limit: limit)
        let take = lines > 0 ? byteCount : contentCount - contentOffset  // a last line without '\n'
        let count = lines > 0 ? lines : 1
        let bytes = UnsafeRawBufferPointer(rebasing: content[contentOffset..<(contentOffset + take)])
        let firstLine = linesInFrame + 1
        contentOffset += take
        linesInFrame += Int64(count)
        let frame = frames[cursor]
        let position = SourcePosition(
            source: name, split: split,
            offset: ArchivePosition.offset(segment: segments[frame.segment].number, frame: frame.frame, lines: linesInFrame))
        if contentOffset >= contentCount { cursor += 1 }  // the next call loads the next frame
        // A nonzero base offset: archived lines never start with a byte order mark to skip.
        if let ahead {
            // `start` copies the bytes: the frame's buffer is reused by a later `load`.
            ahead.start(copying: bytes, firstLine: firstLine, source: name, split: split, baseOffset: 1)
            return .started(position, on: ahead)
        }
        let (batch, rejections) = decoder.decodeLines(bytes, firstLine: firstLine, source: name, split: split, baseOffset: 1)
        return .decoded(finish(batch, rejections, at: position))
    }

    private func finish(_ decoded: Batch, _ rejections: [Rejection], at position: SourcePosition) -> SourceChunk {
        var batch = decoded
        if let timeColumn, from != nil || to != nil { batch = inRange(batch, timeColumn) }
        batch.position = position
        return .data(batch, rejections: rejections)
    }

    private func load(frame: ArchiveFrameRef) throws {
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
