import SluiceCore

/// An archive split's position: `segment number << 40 | frame << 24 | lines consumed in
/// that frame`. Named by the segment's number (its file name), not by its place in the
/// split, so a resume finds its segment whatever runs of segments the splits read.
enum ArchivePosition {
    static let maxSegmentNumber = (1 << 23) - 1
    static let maxFrames = 1 << 16
    static let maxFrameRows = (1 << 24) - 1

    static func offset(segment number: Int, frame: Int, lines: Int64) -> Int64 {
        Int64(number) << 40 | Int64(frame) << 24 | lines
    }

    static func parts(_ offset: Int64) -> (segment: Int, frame: Int, lines: Int64) {
        (Int(offset >> 40), Int((offset >> 24) & 0xFFFF), offset & 0xFF_FFFF)
    }

    /// Fails for a segment a position cannot name (never one the sink writes with its
    /// defaults: 4 MB frames hold under 2 M rows).
    static func check(_ segment: ArchiveSegment) throws {
        let rows = segment.frames.map(\.rows).max() ?? 0
        guard segment.number <= maxSegmentNumber, segment.frames.count <= maxFrames, rows <= maxFrameRows else {
            throw SluiceError(
                .invalidArgument,
                "archive \(segment.dataPath): segment \(segment.number) (\(segment.frames.count) frames, up to \(rows) rows each) is beyond what a source position names (segments up to \(maxSegmentNumber), \(maxFrames) frames of \(maxFrameRows) rows)"
            )
        }
    }
}
