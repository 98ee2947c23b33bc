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
/// The sink writes a frame's bytes, `fsync`s them, and only then appends (and `fsync`s)
/// its index line, so the index is the truth: bytes after the last indexed frame are a
/// torn write of an epoch that never committed (its rows are read again from the source
/// after the restart), an index line cut short is a torn append. Repair truncates both
/// files to what the index records, removes segments with nothing committed, and seals
/// the segment the crash left open, so the sink starts a fresh one.
enum ArchiveRepair {
    static func repair(directory: String) throws -> [ArchiveRepairReport] {
        var reports: [ArchiveRepairReport] = []
        for number in try ArchiveLayout.segmentNumbers(in: directory) {
            var actions: [String] = []
            let (segment, validIndexBytes) = try ArchiveLayout.readIndex(directory, number)
            let indexSize = fileSize(segment.indexPath)
            if indexSize > Int64(validIndexBytes) {
                try truncate(segment.indexPath, to: Int64(validIndexBytes))
                actions.append("dropped \(indexSize - Int64(validIndexBytes)) torn index bytes")
            }
            let dataSize = fileSize(segment.dataPath)
            if segment.frames.isEmpty {
                try POSIX.removeIfPresent(segment.dataPath)
                try POSIX.removeIfPresent(segment.indexPath)
                reports.append(
                    ArchiveRepairReport(segment: number, action: "removed: no committed frame (\(dataSize) torn bytes)"))
                continue
            }
            if dataSize < segment.committedEnd {
                // Cannot happen when the disk kept what fsync promised; say so loudly.
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
