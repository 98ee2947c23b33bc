#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SluiceCore

/// Appends frames to one segment's data file and, once they are durable, their lines to
/// its index. Used by `ArchiveSink` only (one thread).
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
    }

    /// Makes the frames written since the last commit durable, then indexes them (the
    /// index line of a frame is only ever written after its bytes are on disk).
    func commit(epoch: Epoch) throws {
        guard !unindexed.isEmpty else { return }
        guard fsync(dataFD) == 0 else { throw SluiceError(.io, "cannot sync '\(dataPath)': \(POSIX.lastError())") }
        var lines: [UInt8] = []
        for var frame in unindexed {
            frame.epoch = epoch.value
            lines += ArchiveIndexLine(frame: frame, sealed: nil).encoded()
        }
        try lines.withUnsafeBytes { try POSIX.writeAll(indexFD, $0, path: indexPath) }
        guard fsync(indexFD) == 0 else { throw SluiceError(.io, "cannot sync '\(indexPath)': \(POSIX.lastError())") }
        frameCount += unindexed.count
        unindexed = []
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
