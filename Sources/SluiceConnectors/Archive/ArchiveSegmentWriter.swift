#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import SluiceCore
import Synchronization

/// Appends frames to one segment's data file and, at each commit, their lines to its
/// index, then makes both durable. Used by `ArchiveSink` only (one thread).
///
/// Syncing: each frame's data starts syncing (`fdatasync` on a private serial queue) as
/// soon as it is written, so the disk works while the sink compresses the next frame; a
/// commit writes its index lines, then syncs the data (on that queue) and the index (on
/// the caller's thread) at the same time and returns when both are durable. Nothing
/// orders the data before the index any more: after a crash an index line may be on
/// disk while its frame is not, so `ArchiveRepair` checks the frames of the last
/// committed epoch of an unsealed segment against their checksums and cuts that epoch
/// off when one fails (its commit never returned, so the source reads it again).
final class ArchiveSegmentWriter {
    let number: Int
    let dataPath: String
    let indexPath: String
    /// Processing time when the segment was started (time-based rolling).
    let createdAtMillis: Int64
    private var dataFD: Int32
    private var indexFD: Int32
    /// Bytes written to the data file (committed or not).
    private(set) var size: Int64 = 0
    /// Frames written since the last `commit`, not yet in the index.
    private var unindexed: [ArchiveFrame] = []
    private(set) var frameCount = 0
    /// The background data syncs (one at a time, in order) and what they failed with.
    private let syncQueue = DispatchQueue(label: "sluice.archive.sync")
    private let syncs = DispatchGroup()
    private let syncState = ArchiveSyncState()

    init(directory: String, number: Int, createdAtMillis: Int64) throws {
        self.number = number
        self.createdAtMillis = createdAtMillis
        dataPath = ArchiveLayout.dataPath(directory, number)
        indexPath = ArchiveLayout.indexPath(directory, number)
        dataFD = try Self.create(dataPath)
        do {
            indexFD = try Self.create(indexPath)
        } catch {
            POSIX.closeDescriptor(dataFD)
            throw error
        }
        // The new names must survive a crash too: sync the directory once.
        try Self.syncDirectory(directory)
    }

    deinit {
        syncs.wait()  // a background sync must never outlive (or hit a reused) descriptor
        if dataFD >= 0 { POSIX.closeDescriptor(dataFD) }
        if indexFD >= 0 { POSIX.closeDescriptor(indexFD) }
    }

    private static func create(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SluiceError(.io, "cannot create archive file '\(path)': \(POSIX.lastError())") }
        return fd
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SluiceError(.io, "cannot open '\(directory)': \(POSIX.lastError())") }
        defer { POSIX.closeDescriptor(fd) }
        _ = fsync(fd)
    }

    /// Writes one compressed frame (not yet durable, not yet indexed).
    func write(frame bytes: [UInt8], rows: Int, rawBytes: Int, minTime: Int64?, maxTime: Int64?, positions: [ArchivedPosition]) throws {
        let checksum = bytes.withUnsafeBytes { ArchiveChecksum.lanes64($0) }
        try bytes.withUnsafeBytes { try POSIX.writeAll(dataFD, $0, path: dataPath) }
        unindexed.append(
            ArchiveFrame(
                offset: size, length: Int64(bytes.count), rows: rows, bytes: Int64(rawBytes), minTime: minTime,
                maxTime: maxTime, positions: positions, checksum: checksum,
                checksumKind: ArchiveChecksum.current, epoch: 0))
        size += Int64(bytes.count)
        // Start making it durable now; a sync already waiting to start covers it too.
        if syncState.claimQueuedSync() { startDataSync(clearingQueued: true) }
    }

    /// Indexes the frames written since the last commit and makes frames and index lines
    /// durable together (the data sync in the background, the index sync here).
    func commit(epoch: Epoch) throws {
        guard !unindexed.isEmpty else { return }
        var lines: [UInt8] = []
        for var frame in unindexed {
            frame.epoch = epoch.value
            lines += ArchiveIndexLine(frame: frame, sealed: nil).encoded()
        }
        try lines.withUnsafeBytes { try POSIX.writeAll(indexFD, $0, path: indexPath) }
        startDataSync(clearingQueued: false)  // after every write of this epoch: covers them all
        let indexSynced = fdatasync(indexFD) == 0
        let indexError = indexSynced ? nil : POSIX.lastError()
        syncs.wait()
        if let failure = syncState.takeFailure() { throw SluiceError(.io, failure) }
        if let indexError { throw SluiceError(.io, "cannot sync '\(indexPath)': \(indexError)") }
        frameCount += unindexed.count
        unindexed = []
    }

    /// `fdatasync`s the data file on the sync queue (the size is data here: appends).
    private func startDataSync(clearingQueued: Bool) {
        let fd = dataFD
        let path = dataPath
        let state = syncState
        syncQueue.async(group: syncs) {
            if clearingQueued { state.clearQueuedSync() }
            if fdatasync(fd) != 0 { state.record("cannot sync '\(path)': \(POSIX.lastError())") }
        }
    }

    /// Ends the segment: the seal line, durable; the files are closed.
    func seal() throws {
        let line = ArchiveIndexLine(frame: nil, sealed: true).encoded()
        try line.withUnsafeBytes { try POSIX.writeAll(indexFD, $0, path: indexPath) }
        _ = fsync(indexFD)
        closeFiles()
    }

    /// Closes without sealing (nothing committed in it: the caller removes it).
    func closeFiles() {
        syncs.wait()
        if dataFD >= 0 { POSIX.closeDescriptor(dataFD) }
        if indexFD >= 0 { POSIX.closeDescriptor(indexFD) }
        dataFD = -1
        indexFD = -1
    }

    /// Appends a seal line to an index the crash left open (repair).
    static func appendSeal(indexPath: String) throws {
        let fd = open(indexPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SluiceError(.io, "cannot open '\(indexPath)': \(POSIX.lastError())") }
        defer { POSIX.closeDescriptor(fd) }
        let line = ArchiveIndexLine(frame: nil, sealed: true).encoded()
        try line.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: indexPath) }
        guard fsync(fd) == 0 else { throw SluiceError(.io, "cannot sync '\(indexPath)': \(POSIX.lastError())") }
    }
}

/// What the background syncs share with the writer: whether a frame sync is queued but
/// not started (later frames need no sync of their own), and the first failure.
final class ArchiveSyncState: Sendable {
    private let state = Mutex<(queued: Bool, failure: String?)>((false, nil))

    /// True when the caller should queue a sync (none is waiting to start).
    func claimQueuedSync() -> Bool {
        state.withLock {
            if $0.queued { return false }
            $0.queued = true
            return true
        }
    }

    func clearQueuedSync() { state.withLock { $0.queued = false } }

    func record(_ failure: String) { state.withLock { if $0.failure == nil { $0.failure = failure } } }

    func takeFailure() -> String? {
        state.withLock { state in
            defer { state.failure = nil }
            return state.failure
        }
    }
}
