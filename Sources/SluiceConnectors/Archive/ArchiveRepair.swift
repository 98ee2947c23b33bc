#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SluiceCore

/// What the archive sink found and fixed in a segment when it opened the directory.
public struct ArchiveRepairReport: Sendable, Equatable, CustomStringConvertible {
    public var segment: Int
    /// What was done, for people: "dropped 4123 torn bytes after frame 7; sealed".
    public var action: String
    public var description: String { "segment \(segment): \(action)" }
}

/// Makes every segment of a directory one a reader can open, after a crash.
///
/// The sink writes an epoch's frames, then their index lines, then syncs data and index
/// together (`ArchiveSegmentWriter`), and a commit returns only once both are durable.
/// So every epoch but the last one an unsealed segment's index records is whole on disk;
/// the last one's index lines may have reached the disk while some of its frame bytes
/// did not (the crash came during its commit). Repair checks those frames against their
/// index checksums and drops the whole epoch when one fails (a reader never sees part of
/// an epoch; its commit never returned, so its rows are read again from the source).
/// Beyond that the index is the truth: bytes after the last indexed frame are a torn
/// write of an epoch that never committed, an index line cut short is a torn append.
/// Repair truncates both files to what the index records, removes segments with nothing
/// committed, and seals the segment the crash left open, so the sink starts a fresh one.
/// A sealed segment was sealed after its last commit returned: nothing in it is checked.
enum ArchiveRepair {
    static func repair(directory: String) throws -> [ArchiveRepairReport] {
        var reports: [ArchiveRepairReport] = []
        for number in try ArchiveLayout.segmentNumbers(in: directory) {
            var actions: [String] = []
            var (segment, validIndexBytes, lineStarts) = try ArchiveLayout.readIndexLines(directory, number)
            let indexSize = fileSize(segment.indexPath)
            if indexSize > Int64(validIndexBytes) {
                actions.append("dropped \(indexSize - Int64(validIndexBytes)) torn index bytes")
            }
            if !segment.sealed, let torn = tornLastEpoch(segment) {
                let dropped = segment.frames.count - torn
                segment.frames.removeSubrange(torn...)
                validIndexBytes = lineStarts[torn]
                actions.append(
                    "dropped the last epoch's \(dropped) indexed frame\(dropped == 1 ? "" : "s") whose data did not reach the disk")
            }
            if indexSize > Int64(validIndexBytes) { try truncate(segment.indexPath, to: Int64(validIndexBytes)) }
            let dataSize = fileSize(segment.dataPath)
            if segment.frames.isEmpty {
                try POSIX.removeIfPresent(segment.dataPath)
                try POSIX.removeIfPresent(segment.indexPath)
                reports.append(
                    ArchiveRepairReport(segment: number, action: "removed: no committed frame (\(dataSize) torn bytes)"))
                continue
            }
            if dataSize < segment.committedEnd {
                // The last epoch was checked above, so an earlier one is short: a disk that
                // lost what fsync promised. Say so loudly.
                throw SluiceError(
                    .io,
                    "archive segment \(segment.dataPath) is shorter (\(dataSize) bytes) than its index records (\(segment.committedEnd))")
            }
            if dataSize > segment.committedEnd {
                try truncate(segment.dataPath, to: segment.committedEnd)
                actions.append(
                    "dropped \(dataSize - segment.committedEnd) torn bytes after frame \(segment.frames.count) (an uncommitted epoch)")
            }
            if !segment.sealed {
                try ArchiveSegmentWriter.appendSeal(indexPath: segment.indexPath)
                actions.append("sealed")
            }
            if !actions.isEmpty { reports.append(ArchiveRepairReport(segment: number, action: actions.joined(separator: "; "))) }
        }
        return reports
    }

    /// The first frame of the segment's last epoch when some frame of that epoch is
    /// missing or fails its checksum (or does not decompress) on disk; nil when it is whole.
    private static func tornLastEpoch(_ segment: ArchiveSegment) -> Int? {
        guard let last = segment.frames.last else { return nil }
        var first = segment.frames.count - 1
        while first > 0, segment.frames[first - 1].epoch == last.epoch { first -= 1 }
        // Frames of a checksum kind this build does not know are left alone (not ours to cut).
        let known = segment.frames[first...].allSatisfy { ArchiveChecksum.hash(UnsafeRawBufferPointer(start: nil, count: 0), kind: $0.checksumKind) != nil }
        guard known else { return nil }
        guard let reader = try? ArchiveSegmentReader(segment: segment) else { return first }
        defer { reader.close() }
        let largest = segment.frames[first...].map { Int($0.bytes) }.max() ?? 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(largest, 1), alignment: 16)
        defer { buffer.deallocate() }
        for index in first..<segment.frames.count {
            guard (try? reader.read(frame: index, into: buffer)) != nil else { return first }
        }
        return nil
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    private static func truncate(_ path: String, to size: Int64) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SluiceError(.io, "cannot open '\(path)' to repair it: \(POSIX.lastError())") }
        defer { POSIX.closeDescriptor(fd) }
        guard ftruncate(fd, off_t(size)) == 0, fsync(fd) == 0 else {
            throw SluiceError(.io, "cannot truncate '\(path)': \(POSIX.lastError())")
        }
    }
}
