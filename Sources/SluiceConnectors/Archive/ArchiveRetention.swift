import SluiceCore

/// Deletes whole sealed segments of an archive whose newest event is older than a cut-off.
///
/// Only sealed segments (every frame committed, nothing more will be written) with an
/// event-time range qualify; a segment without event times is kept. The index goes first,
/// so a reader listing the archive meanwhile no longer sees the segment, then the data;
/// a crash in between leaves a data file without index, which the sink's repair removes.
/// A job that listed the segment before it went fails to read it (an error, not wrong rows).
enum ArchiveRetention {
    /// - Returns: the numbers of the segments removed.
    static func expire(directory: String, olderThan cutoff: Int64, sparing open: Int?) throws -> [Int] {
        var removed: [Int] = []
        for number in try ArchiveLayout.segmentNumbers(in: directory) where number != open {
            let (segment, _) = try ArchiveLayout.readIndex(directory, number)
            guard segment.sealed, let newest = segment.maxTime, newest < cutoff else { continue }
            try POSIX.removeIfPresent(segment.indexPath)
            try POSIX.removeIfPresent(segment.dataPath)
            removed.append(number)
        }
        if !removed.isEmpty { try ArchiveSegmentWriter.syncDirectory(directory) }
        return removed
    }
}
