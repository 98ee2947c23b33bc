#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SluiceCore
import SluiceFormats
import Synchronization

/// Reads one split of an NDJSON file: large reads into one buffer, whole lines to the
/// decoder, the unfinished last line carried over to the next read.
///
/// A line longer than the decoder's `maxRecordBytes` is never held in memory whole: it is
/// skipped while being read and rejected with its size and first `maxRecordBytes` bytes.
final class NDJSONFileReader: SourceReader {
    private let file: ReadableFile
    private let source: String
    private let split: Int
    private let splitStart: Int64
    /// Where the split ends (earlier if the file shrank while being read).
    private var splitEnd: Int64
    private let openOffset: Int64
    private var decoder: JSONBatchDecoder
    private let batchRows: Int
    private let maxRecordBytes: Int
    /// The longest line (with BOM, `\r\n`) the decoder could accept: the buffer must be
    /// able to hold it.
    private let maxLineBytes: Int

    /// The read buffer. With `keepsRecords` the batches cut from it hold it as their
    /// records' memory (`RecordBlock`), so the unread tail is moved to another block,
    /// never over their bytes, and a block their batches are done with is filled again.
    private var block: RecordBlock
    private var buffer: UnsafeMutableRawPointer { block.base }
    private var capacity: Int { block.capacity }
    private let keepsRecords: Bool
    /// Blocks the reader moved on from, which batches may still hold; one they all let go
    /// of is filled again. Never the current block, so the current one is unheld exactly
    /// when no batch holds it.
    private var retiredBlocks: [RecordBlock] = []
    private static let retiredBlockLimit = 3
    /// Blocks filled again instead of allocated (tests).
    private(set) var reusedBlocks = 0
    /// `buffer[lo..<hi]` holds unread bytes; `buffer[lo]` is at file offset `consumed`.
    private var lo = 0
    private var hi = 0
    private var consumed: Int64
    /// The file offset after the last chunk handed out (`consumed` runs ahead of it while
    /// a chunk is decoded ahead).
    private var delivered: Int64
    private var readOffset: Int64
    /// Lines consumed since `openOffset`.
    private var lines: Int64 = 0
    /// Newlines before `openOffset`, counted when a rejection first needs a line number.
    private var lineBase: Int64?
    /// Rejections of oversized lines skipped while reading, not yet handed out.
    private var pending: [Rejection] = []
    private var isClosed = false
    /// The helper decoders (none: this thread decodes every chunk), and the chunks read
    /// ahead for them, in file order, up to and including the end.
    private let aheads: [DecodeAhead]
    private var queue = DecodeAheadQueue<Cut>()
    /// The source's per-split consumed bytes, for its consumer lag (nil: nobody asks).
    private let readProgress: FileReadProgress?

    init(
        file: ReadableFile, source: String, split: Int, range: Range<Int64>, from: Int64, decoder: JSONBatchDecoder,
        batchRows: Int, bufferBytes: Int, readProgress: FileReadProgress? = nil, decodeAhead: Int = 0
    ) {
        aheads = (0..<decodeAhead).map { _ in DecodeAhead(decoder: decoder) }
        self.readProgress = readProgress
        readProgress?.set(split, bytes: from - range.lowerBound)
        self.file = file
        self.source = source
        self.split = split
        splitStart = range.lowerBound
        splitEnd = range.upperBound
        openOffset = from
        consumed = from
        delivered = from
        readOffset = from
        self.decoder = decoder
        self.batchRows = batchRows
        maxRecordBytes = decoder.options.maxRecordBytes
        maxLineBytes = max(decoder.options.maxRecordBytes, 0) + 8
        keepsRecords = decoder.options.keepsRecords
        block = RecordBlock(capacity: bufferBytes)
    }

    deinit {
        close()
    }

    var progress: Double? {
        let size = splitEnd - splitStart
        return size <= 0 ? 1 : Double(delivered - splitStart) / Double(size)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        file.close()
        retiredBlocks.removeAll()
    }

    func next(maxRows: Int) throws -> SourceChunk {
        guard !isClosed else { throw SluiceError(.sourceFailed, "split \(split) of '\(source)' is closed") }
        let chunk: SourceChunk
        if !aheads.isEmpty {
            chunk = try queue.next(
                aheads: aheads, cut: { try step(maxRows: maxRows, ahead: $0) }, finish: { try finish($0, $1) })
        } else {
            guard case .decoded(let decoded) = try step(maxRows: maxRows, ahead: nil) else { preconditionFailure("no helper decoder") }
            chunk = decoded
        }
        // Progress and lag count what was handed out, not what was read ahead.
        if case .data(let batch, _) = chunk, let position = batch.position {
            delivered = position.offset
            readProgress?.set(split, bytes: delivered - splitStart)
        }
        return chunk
    }

    private typealias Step = DecodeAheadQueue<Cut>.Step

    /// Where a chunk's lines were in the file, and what comes with it, for `finish`.
    private struct Cut {
        var consumedAfter: Int64
        var pending: [Rejection]
    }

    /// The next chunk: lines scanned and cut off the buffer, and decoded here, or started
    /// on `ahead` (a helper with room) when given one.
    private func step(maxRows: Int, ahead: DecodeAhead?) throws -> Step {
        let limit = max(1, min(maxRows, batchRows))
        while true {
            let found = NewlineScan.lines(in: UnsafeRawBufferPointer(start: buffer + lo, count: hi - lo), limit: limit)
            if found.lines == limit { return try decode(byteCount: found.byteCount, lines: found.lines, ahead: ahead) }
            if readOffset >= splitEnd {
                if found.lines > 0 { return try decode(byteCount: found.byteCount, lines: found.lines, ahead: ahead) }
                if hi > lo { return try decode(byteCount: hi - lo, lines: 1, ahead: ahead) }  // a last line without '\n'
                if !pending.isEmpty { return .decoded(try emptyChunk()) }
                return .decoded(.end)
            }
            if found.lines > 0 && lo == 0 && hi == capacity {
                return try decode(byteCount: found.byteCount, lines: found.lines, ahead: ahead)
            }
            compact()
            if hi == capacity {
                // One unfinished line fills the buffer.
                if capacity < maxLineBytes {
                    grow()
                } else {
                    try skipOversizedLine()
                    continue
                }
            }
            try fill()
        }
    }

    // MARK: - Decoding

    /// Decodes `buffer[lo...]`'s next `count` lines here, or starts them on `ahead`.
    private func decode(byteCount: Int, lines count: Int, ahead: DecodeAhead?) throws -> Step {
        let range = lo..<(lo + byteCount)
        let firstLine = lines + 1
        let baseOffset = consumed
        lo += byteCount
        consumed += Int64(byteCount)
        lines += Int64(count)
        let cut = Cut(consumedAfter: consumed, pending: pending)
        pending = []
        if let ahead {
            ahead.start(block, range: range, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
            return .started(cut, on: ahead)
        }
        let decoded =
            keepsRecords
            ? decoder.decodeLines(
                in: block, range: range, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
            : decoder.decodeLines(
                UnsafeRawBufferPointer(start: buffer + range.lowerBound, count: range.count), firstLine: firstLine,
                source: source, split: split, baseOffset: baseOffset)
        return .decoded(try finish(cut, decoded))
    }

    /// The chunk of a decoded cut: its position, and rejections numbered in the file.
    private func finish(_ cut: Cut, _ decoded: (Batch, [Rejection])) throws -> SourceChunk {
        var (batch, rejections) = decoded
        if !cut.pending.isEmpty { rejections = cut.pending + rejections }
        try numberLines(&rejections)
        batch.position = SourcePosition(source: source, split: split, offset: cut.consumedAfter)
        return .data(batch, rejections: rejections)
    }

    private func emptyChunk() throws -> SourceChunk {
        var rejections = pending
        pending = []
        try numberLines(&rejections)
        var batch = Batch.empty(decoder.schema)
        batch.position = SourcePosition(source: source, split: split, offset: consumed)
        return .data(batch, rejections: rejections)
    }

    /// Turns line numbers relative to `openOffset` into line numbers in the file.
    private func numberLines(_ rejections: inout [Rejection]) throws {
        guard !rejections.isEmpty else { return }
        if lineBase == nil { lineBase = try file.countNewlines(before: openOffset) }
        let base = lineBase ?? 0
        guard base != 0 else { return }
        for i in rejections.indices { rejections[i].line = rejections[i].line.map { $0 + base } }
    }

    // MARK: - Buffer

    /// Moves the unread bytes to the front of the buffer: of a block no batch holds.
    private func compact() {
        guard lo > 0 else { return }
        if Self.isUnheld(&block) {
            if hi > lo { (buffer + 0).copyMemory(from: buffer + lo, byteCount: hi - lo) }
        } else {
            moveUnread(to: unheldBlock(capacity: capacity))
        }
        hi -= lo
        lo = 0
    }

    private func grow() {
        // Retired blocks have the old size: a grown buffer never takes them.
        retiredBlocks.removeAll()
        moveUnread(to: RecordBlock(capacity: min(max(capacity * 2, 64), maxLineBytes)))
        hi -= lo
        lo = 0
    }

    /// Makes `fresh` the buffer, with the unread bytes at its front (`lo`, `hi` unchanged),
    /// and retires the block it replaces.
    private func moveUnread(to fresh: RecordBlock) {
        if hi > lo { fresh.base.copyMemory(from: buffer + lo, byteCount: hi - lo) }
        switchBlock(to: fresh)
    }

    private func switchBlock(to fresh: RecordBlock) {
        if block.capacity == fresh.capacity {
            // The oldest goes first: a block still held after its successors is likely
            // held for long (a batch kept downstream), and must not block the list.
            if retiredBlocks.count == Self.retiredBlockLimit { retiredBlocks.removeFirst() }
            retiredBlocks.append(block)
        }
        block = fresh
    }

    /// A block of `capacity` bytes that nothing else holds: a retired one whose batches
    /// are gone, else a new one.
    private func unheldBlock(capacity: Int) -> RecordBlock {
        for i in retiredBlocks.indices
        where retiredBlocks[i].capacity == capacity && Self.isUnheld(&retiredBlocks[i]) {
            reusedBlocks += 1
            return retiredBlocks.remove(at: i)
        }
        return RecordBlock(capacity: capacity)
    }

    /// Whether no batch holds `block` any more, so this reader may write into it. The
    /// reference count is read without ordering; the acquire fence orders the writes that
    /// follow after everything the thread that dropped the last batch did with its bytes
    /// (its release is a releasing decrement). x86 needs no instruction for it; arm64 does.
    private static func isUnheld(_ block: inout RecordBlock) -> Bool {
        guard isKnownUniquelyReferenced(&block) else { return false }
        atomicMemoryFence(ordering: .acquiring)
        return true
    }

    /// Reads more of the split after `hi`.
    private func fill() throws {
        let want = Int(min(Int64(capacity - hi), splitEnd - readOffset))
        guard want > 0 else { return }
        let n = try file.read(into: buffer + hi, count: want, at: readOffset)
        if n == 0 {
            splitEnd = readOffset  // the file got shorter while we read it
            return
        }
        hi += n
        readOffset += Int64(n)
    }

    /// Skips the line that starts at `buffer[0]` and has no newline in the full buffer:
    /// it is longer than any record the decoder accepts. Queues its rejection.
    private func skipOversizedLine() throws {
        let lineStart = consumed
        // Three bytes more than kept, in case a byte order mark comes off the front.
        var prefix = Array(UnsafeRawBufferPointer(start: buffer, count: min(max(maxRecordBytes, 0) + 3, hi)))
        var length = Int64(hi)
        var lastByte = buffer.load(fromByteOffset: hi - 1, as: UInt8.self)
        var endsWithNewline = false
        // The rest of the line is read over the buffer's front: not over a batch's records.
        if !Self.isUnheld(&block) { switchBlock(to: unheldBlock(capacity: capacity)) }
        hi = 0
        while readOffset < splitEnd {
            try fill()
            guard hi > 0 else { break }
            if let newline = memchr(buffer, 0x0A, hi) {
                let index = newline - buffer
                length += Int64(index)
                if index > 0 { lastByte = buffer.load(fromByteOffset: index - 1, as: UInt8.self) }
                lo = index + 1
                endsWithNewline = true
                break
            }
            length += Int64(hi)
            lastByte = buffer.load(fromByteOffset: hi - 1, as: UInt8.self)
            hi = 0
        }
        consumed = lineStart + length + (endsWithNewline ? 1 : 0)
        var recordStart = lineStart
        var recordLength = length - (lastByte == 0x0D ? 1 : 0)
        // As in the decoder: a byte order mark at the start of the file is not part of the record.
        if lineStart == 0 && prefix.starts(with: [0xEF, 0xBB, 0xBF]) {
            prefix.removeFirst(3)
            recordStart += 3
            recordLength -= 3
        }
        prefix.removeLast(max(0, prefix.count - max(maxRecordBytes, 0)))
        lines += 1
        pending.append(
            Rejection(
                reason: RejectionReason.oversized(bytes: Int(recordLength), limit: maxRecordBytes), raw: prefix,
                position: SourcePosition(source: source, split: split, offset: recordStart), line: lines))
    }
}
