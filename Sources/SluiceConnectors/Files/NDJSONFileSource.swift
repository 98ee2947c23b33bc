public import SluiceCore
public import SluiceFormats

/// A bounded source reading one newline-delimited JSON file, decoded with
/// `JSONBatchDecoder`.
///
/// The file is cut into `splitCount` byte ranges at line starts: split `i` holds the
/// lines that start in `[start(i), start(i+1))`, where `start(i)` is the first line
/// start at or after `i * size / splits`, so every line belongs to exactly one split
/// and splits can be read in parallel. The size is taken when the source is made; bytes
/// appended later are not read.
///
/// Positions are byte offsets in the file: a batch's position is the offset just after
/// its last line, and `openSplit(_:resumingAfter:)` continues at that offset. Rejected
/// lines carry their 1-based line number in the whole file (for splits after the first,
/// the newlines before the split are counted once, when the first rejection needs them)
/// and the offset where the line starts.
public struct NDJSONFileSource: Source {
    public let name: String
    public let path: String
    public let schema: Schema
    public let splitCount: Int
    /// The most rows a reader returns per `next` call (less when `maxRows` is smaller).
    public let batchRows: Int
    /// The file size when the source was made; the splits cover `0..<fileSize`.
    public let fileSize: Int64
    public var isBounded: Bool { true }
    let readBufferBytes: Int
    /// Bytes each split has consumed, for `consumerLag`.
    let progress: FileReadProgress
    private let decoder: JSONBatchDecoder
    /// Decoders per split beside its reader (`DecodeAhead`; nil: `DecodeAhead.perSplit`).
    let decodeAhead: Int?

    /// - Parameters:
    ///   - splits: how many parallel splits to cut the file into (at least 1).
    ///   - batchRows: rows per chunk (at least 1).
    ///   - readBufferBytes: the size of each reader's read buffer; it grows when a line
    ///     within `options.maxRecordBytes` does not fit.
    ///   - decodeAhead: how many threads beside its reader decode each split (nil:
    ///     `DecodeAhead.perSplit`, 0: the reader alone); chunks still come in file order,
    ///     with the same rows.
    /// - Throws: `SluiceError` (`.io`) naming the path when the file cannot be opened or
    ///   is a directory; `.invalidArgument` for a non-positive `splits` or `batchRows`.
    public init(
        name: String, path: String, schema: Schema, required: Set<String>, options: DecoderOptions = .init(),
        splits: Int = 1, batchRows: Int = 4096, readBufferBytes: Int = 4 << 20, decodeAhead: Int? = nil
    ) throws {
        self.decodeAhead = decodeAhead
        guard splits >= 1 else { throw SluiceErrorFactory.invalid("source '\(name)': splits must be at least 1") }
        guard batchRows >= 1 else { throw SluiceErrorFactory.invalid("source '\(name)': batchRows must be at least 1") }
        let file = try ReadableFile(path: path)
        fileSize = file.size
        file.close()
        self.name = name
        self.path = path
        self.schema = schema
        splitCount = splits
        self.batchRows = batchRows
        self.readBufferBytes = max(readBufferBytes, 16)
        progress = FileReadProgress(splits: splits)
        decoder = JSONBatchDecoder(schema: schema, required: required, options: options)
    }

    /// The byte range of split `index`.
    public func range(ofSplit index: Int) throws -> Range<Int64> {
        guard (0..<splitCount).contains(index) else {
            throw SluiceErrorFactory.invalid("source '\(name)' has no split \(index) (it has \(splitCount))")
        }
        let file = try ReadableFile(path: path)
        let start = try file.lineStart(atOrAfter: fileSize * Int64(index) / Int64(splitCount))
        let end =
            index + 1 == splitCount
            ? fileSize : try file.lineStart(atOrAfter: fileSize * Int64(index + 1) / Int64(splitCount))
        return start..<max(start, end)
    }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        let range = try range(ofSplit: index)
        var from = range.lowerBound
        if let position {
            guard position.source == name, position.split == index,
                position.offset >= range.lowerBound, position.offset <= range.upperBound
            else {
                throw SluiceErrorFactory.invalid(
                    "position \(position) does not belong to split \(index) of '\(name)' (bytes \(range))")
            }
            from = position.offset
        }
        return try NDJSONFileReader(
            file: ReadableFile(path: path), source: name, split: index, range: range, from: from, decoder: decoder,
            batchRows: batchRows, bufferBytes: readBufferBytes, readProgress: progress,
            decodeAhead: decodeAhead ?? DecodeAhead.perSplit(splits: splitCount))
    }
}
