public import SluiceCore
import SluiceFormats

/// `archive:DIR?from=…&to=…`: a bounded source over an archive's committed rows whose
/// event time is in `[from, to)` (either bound may be left out).
///
/// The range is decided from the indexes alone: a segment none of whose frames overlaps
/// it is not a split and its data file is never opened; inside a chosen segment, frames
/// that do not overlap are skipped unread. One split per chosen segment, so a batch job
/// reads segments in parallel; rows come in their segment's write order. Rows of a
/// frame that straddles a bound are filtered by their event time.
///
/// Positions: `frame << 32 | rows consumed in that frame`, per segment (split).
public struct ArchiveSource: Source {
    public let name: String
    public let directory: String
    public let schema: Schema
    public let from: Int64?
    public let to: Int64?
    public let timeField: String
    /// The segments read, one per split, in segment order.
    public let segments: [ArchiveSegment]
    public let batchRows: Int
    public var splitCount: Int { max(segments.count, 1) }
    public var isBounded: Bool { true }
    private let decoder: JSONBatchDecoder

    public init(
        name: String, directory: String, schema: Schema, required: Set<String>, from: Int64? = nil, to: Int64? = nil,
        timeField: String = "ts", batchRows: Int = 4096, keepsRecords: Bool = false
    ) throws {
        var isDirectory = false
        guard ArchiveSource.exists(directory, isDirectory: &isDirectory), isDirectory else {
            throw SluiceError(.io, "archive \(directory) does not exist or is not a directory")
        }
        self.name = name
        self.directory = directory
        self.schema = schema
        self.from = from
        self.to = to
        self.timeField = timeField
        self.batchRows = max(batchRows, 1)
        segments = try ArchiveLayout.segments(in: directory).filter { $0.overlaps(from: from, to: to) }
        var options = DecoderOptions()
        options.keepsRecords = keepsRecords
        decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
    }

    private static func exists(_ path: String, isDirectory: inout Bool) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        return true
    }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        guard !segments.isEmpty else { return ArchiveEmptyReader() }
        guard segments.indices.contains(index) else {
            throw SluiceError(.invalidArgument, "source '\(name)' has no split \(index) (it has \(splitCount))")
        }
        return try ArchiveSplitReader(source: self, split: index, decoder: decoder, resumingAfter: position)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one split of a range no segment overlaps.
final class ArchiveEmptyReader: SourceReader {
    func next(maxRows: Int) throws -> SourceChunk { .end }
}
