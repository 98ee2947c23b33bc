#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SluiceCore
import SluiceFormats

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

    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// `buffer[lo..<hi]` holds unread bytes; `buffer[lo]` is at file offset `consumed`.
    private var lo = 0
    private var hi = 0
    private var consumed: Int64
    private var readOffset: Int64
    /// Lines consumed since `openOffset`.
    private var lines: Int64 = 0
    /// Newlines before `openOffset`, counted when a rejection first needs a line number.
    private var lineBase: Int64?
    /// Rejections of oversized lines skipped while reading, not yet handed out.
    private var pending: [Rejection] = []
    private var isClosed = false
    /// The source's per-split consumed bytes, for its consumer lag (nil: nobody asks).
    private let readProgress: FileReadProgress?

    init(
        file: ReadableFile, source: String, split: Int, range: Range<Int64>, from: Int64, decoder: JSONBatchDecoder,
        batchRows: Int, bufferBytes: Int, readProgress: FileReadProgress? = nil
    ) {
        self.readProgress = readProgress
        readProgress?.set(split, bytes: from - range.lowerBound)
        self.file = file
        self.source = source
        self.split = split
        splitStart = range.lowerBound
        splitEnd = range.upperBound
        openOffset = from
        consumed = from
        readOffset = from
        self.decoder = decoder
        self.batchRows = batchRows
        maxRecordBytes = decoder.options.maxRecordBytes
        maxLineBytes = max(decoder.options.maxRecordBytes, 0) + 8
        capacity = bufferBytes
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    var progress: Double? {
        let size = splitEnd - splitStart
        return size <= 0 ? 1 : Double(consumed - splitStart) / Double(size)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        file.close()
    }

    func next(maxRows: Int) throws -> SourceChunk {
        guard !isClosed else { throw SluiceError(.sourceFailed, "split \(split) of '\(source)' is closed") }
        let limit = max(1, min(maxRows, batchRows))
        while true {
            let found = NewlineScan.lines(in: UnsafeRawBufferPointer(start: buffer + lo, count: hi - lo), limit: limit)
            if found.lines == limit { return try decode(byteCount: found.byteCount, lines: found.lines) }
            if readOffset >= splitEnd {
                if found.lines > 0 { return try decode(byteCount: found.byteCount, lines: found.lines) }
                if hi > lo { return try decode(byteCount: hi - lo, lines: 1) }  // a last line without '\n'
                if !pending.isEmpty { return try emptyChunk() }
                return .end
            }
            if found.lines > 0 && lo == 0 && hi == capacity {
                return try decode(byteCount: found.byteCount, lines: found.lines)
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

    private func decode(byteCount: Int, lines count: Int) throws -> SourceChunk {
        var (batch, rejections) = decoder.decodeLines(
            UnsafeRawBufferPointer(start: buffer + lo, count: byteCount), firstLine: lines + 1, source: source,
            split: split, baseOffset: consumed)
        lo += byteCount
        consumed += Int64(byteCount)
        lines += Int64(count)
        if !pending.isEmpty {
            rejections = pending + rejections
            pending = []
        }
        try numberLines(&rejections)
        batch.position = SourcePosition(source: source, split: split, offset: consumed)
        readProgress?.set(split, bytes: consumed - splitStart)
        return .data(batch, rejections: rejections)
    }

    private func emptyChunk() throws -> SourceChunk {
        var rejections = pending
        pending = []
        try numberLines(&rejections)
        var batch = Batch.empty(decoder.schema)
        batch.position = SourcePosition(source: source, split: split, offset: consumed)
        readProgress?.set(split, bytes: consumed - splitStart)
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

    /// Moves the unread bytes to the front of the buffer.
    private func compact() {
        guard lo > 0 else { return }
        if hi > lo { (buffer + 0).copyMemory(from: buffer + lo, byteCount: hi - lo) }
        hi -= lo
        lo = 0
    }

    private func grow() {
        let newCapacity = min(max(capacity * 2, 64), maxLineBytes)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: buffer + lo, byteCount: hi - lo)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
        hi -= lo
        lo = 0
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
