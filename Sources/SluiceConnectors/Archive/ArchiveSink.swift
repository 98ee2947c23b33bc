#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import SluiceCore
import SluiceLZ4

/// `archive:DIR`: every row it receives, as NDJSON lines, in LZ4-framed segment files
/// with an index each. A row's line is the record it was decoded from, byte for byte
/// (`Batch.records`, which sources keep when the pipeline has an archive sink); rows
/// without one (generated, or changed by a map) are encoded (`ArchiveRecordEncoder`).
///
/// Layout: `DIR/segment-NNNNNNNNNN.lz4` holds LZ4 frames written one after another (the
/// `lz4` tool reads the file whole); `DIR/segment-NNNNNNNNNN.idx` has one JSON line per
/// committed frame (offset, length, rows, raw bytes, event-time range, source positions,
/// checksum, epoch) and a last `{"sealed":true}` line once the segment is finished.
///
/// Durability: rows collect in memory and are compressed into a frame every
/// `frameBytes` of text and at each commit; each frame starts syncing as soon as it is
/// written, and `commit(epoch:)` appends the index lines of its frames and returns once
/// data and index are both durable (`ArchiveSegmentWriter`), so a row is durable exactly
/// when its epoch commits and a reader (which reads indexed frames only) never sees part
/// of an epoch. On open the sink repairs what a crash left (`ArchiveRepair`: a last epoch
/// whose indexed frames did not all reach the disk dropped whole, torn tails cut back to
/// the index, the open segment sealed) and reports it in `repairs` and on standard error. A segment rolls at a commit once it holds `maxBytes` of compressed
/// data or is `rollEveryMillis` old (processing time).
///
/// Delivery: at least once, like the other append sinks: the rows of an epoch that was
/// written but not committed before a crash are cut off by the repair and read again
/// from the source; rows of an epoch committed here but not yet in the pipeline's
/// checkpoint appear twice. The index keeps the source positions of each frame so a job
/// can tell. One sink per directory at a time (an exclusive lock on `DIR/.lock`).
///
/// `@unchecked Sendable`: only the runtime's sink executor calls a sink, one thread at a
/// time (the `Sink` contract), so its mutable state needs no lock.
public final class ArchiveSink: Sink, @unchecked Sendable {
    public let name: String
    public let directory: String
    public let timeField: String
    public let maxBytes: Int64
    public let rollEveryMillis: Int64
    public let frameBytes: Int
    /// Sealed segments whose newest event is older than this (against `timeSource`) are
    /// deleted (`ArchiveRetention`); nil keeps everything.
    public let retentionMillis: Int64?
    private let timeSource: any TimeSource
    /// Segments deleted by retention so far.
    public private(set) var expired: [Int] = []
    /// What opening repaired.
    public private(set) var repairs: [ArchiveRepairReport] = []

    private var compressor: LZ4FrameCompressor?
    private var segment: ArchiveSegmentWriter?
    private var nextNumber = 1
    private var lockFD: Int32 = -1
    private var timeColumn: Int?
    /// Rows of the frame being filled.
    private var pending: [UInt8] = []
    private var pendingRows = 0
    private var pendingMin: Int64?
    private var pendingMax: Int64?
    private var pendingPositions: [String: ArchivedPosition] = [:]
    private var framed: [UInt8] = []

    public init(
        name: String, directory: String, timeField: String = "ts", maxBytes: Int64 = 64 << 20,
        rollEveryMillis: Int64 = 3_600_000, frameBytes: Int = 4 << 20, retentionMillis: Int64? = nil,
        timeSource: any TimeSource = SystemTimeSource()
    ) {
        self.name = name
        self.directory = directory
        self.timeField = timeField
        self.maxBytes = maxBytes
        self.rollEveryMillis = rollEveryMillis
        self.frameBytes = max(frameBytes, 1)
        self.retentionMillis = retentionMillis
        self.timeSource = timeSource
    }

    deinit { if lockFD >= 0 { POSIX.closeDescriptor(lockFD) } }

    public func open(schema: Schema, mode: SinkMode) throws {
        guard compressor == nil else { return }
        try POSIX.createParentDirectories(of: directory + "/.lock")
        lockFD = Glibc.open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            throw SluiceError(.sinkFailed, "archive \(directory) is in use by another sink (\(POSIX.lastError()))")
        }
        repairs = try ArchiveRepair.repair(directory: directory)
        for report in repairs { Self.printError("sink '\(name)': archive \(directory): repaired \(report)") }
        nextNumber = (try ArchiveLayout.segmentNumbers(in: directory).last ?? 0) + 1
        try expireSegments()
        if let index = schema.index(of: timeField), [.timestamp, .int64].contains(schema[index].type) { timeColumn = index }
        // No LZ4 content checksum: the index's checksum of each frame is checked first.
        compressor = try LZ4FrameCompressor(contentChecksum: false)
        pending.reserveCapacity(frameBytes + (1 << 20))
    }

    public func write(_ batch: Batch) throws {
        guard compressor != nil else { throw SluiceError(.sinkFailed, "sink '\(name)' is not open") }
        guard !batch.isEmpty else { return }
        if let position = batch.position {
            let key = "\(position.source)#\(position.split)"
            if position.offset > (pendingPositions[key]?.offset ?? .min) {
                pendingPositions[key] = ArchivedPosition(source: position.source, split: position.split, offset: position.offset)
            }
        }
        if let records = batch.records, records.isExact {
            records.appendLines(to: &pending)  // the bytes as received
        } else {
            ArchiveRecordEncoder.encode(batch, into: &pending)
        }
        pendingRows += batch.count
        if let timeColumn { observeTimes(batch.columns[timeColumn]) }
        if pending.count >= frameBytes { try writeFrame() }
    }

    public func commit(epoch: Epoch) throws {
        guard compressor != nil else { throw SluiceError(.sinkFailed, "sink '\(name)' is not open") }
        try writeFrame()
        guard let segment else { return }
        try segment.commit(epoch: epoch)
        if segment.size >= maxBytes || timeSource.nowMillis() - segment.createdAtMillis >= rollEveryMillis {
            try finishSegment()
            try expireSegments()
        }
    }

    /// Applies the retention: only sealed segments, never the one being written, all of
    /// whose frames are committed (a sealed segment's are), so no epoch still needs them.
    private func expireSegments() throws {
        guard let retentionMillis else { return }
        let removed = try ArchiveRetention.expire(
            directory: directory, olderThan: timeSource.nowMillis() - retentionMillis, sparing: segment?.number)
        expired += removed
        if !removed.isEmpty {
            Self.printError("sink '\(name)': archive \(directory): retention removed segments \(removed.map(String.init).joined(separator: ", "))")
        }
    }

    public func close() throws {
        guard compressor != nil else { return }
        // Rows not committed are not durable; a restart reads them again.
        try finishSegment()
        compressor = nil
        if lockFD >= 0 { POSIX.closeDescriptor(lockFD) }
        lockFD = -1
    }

    private func finishSegment() throws {
        guard let segment else { return }
        self.segment = nil
        if segment.frameCount == 0 {
            segment.closeFiles()
            try POSIX.removeIfPresent(segment.dataPath)
            try POSIX.removeIfPresent(segment.indexPath)
        } else {
            try segment.seal()
        }
    }

    private func writeFrame() throws {
        guard pendingRows > 0, let compressor else { return }
        if segment == nil {
            segment = try ArchiveSegmentWriter(directory: directory, number: nextNumber, createdAtMillis: timeSource.nowMillis())
            nextNumber += 1
        }
        framed.removeAll(keepingCapacity: true)
        try pending.withUnsafeBytes { try compressor.compressFrame($0, into: &framed) }
        try segment?.write(
            frame: framed, rows: pendingRows, rawBytes: pending.count, minTime: pendingMin, maxTime: pendingMax,
            positions: pendingPositions.values.sorted { $0.position < $1.position })
        pending.removeAll(keepingCapacity: true)
        pendingRows = 0
        pendingMin = nil
        pendingMax = nil
        pendingPositions = [:]
    }

    private func observeTimes(_ column: Column) {
        var low = pendingMin ?? .max
        var high = pendingMax ?? .min
        column.ints.withUnsafeBufferPointer { values in
            for i in 0..<values.count where column.validity?[i] ?? true {
                low = min(low, values[i])
                high = max(high, values[i])
            }
        }
        if low <= high {
            pendingMin = low
            pendingMax = high
        }
    }

    static func printError(_ text: String) {
        let line = Array((text + "\n").utf8)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
