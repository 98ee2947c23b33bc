import Foundation
import SluiceCore

/// One LZ4 frame of a segment, as its index line describes it.
public struct ArchiveFrame: Codable, Sendable, Equatable {
    /// Where the frame starts in the segment's data file, and its compressed length.
    public var offset: Int64
    public var length: Int64
    /// Rows (lines) in the frame and their uncompressed bytes.
    public var rows: Int
    public var bytes: Int64
    /// The event-time range of its rows (nil when the rows have no event-time field).
    public var minTime: Int64?
    public var maxTime: Int64?
    /// The furthest source position of the rows it holds, per source split.
    public var positions: [ArchivedPosition]
    /// The checksum of the compressed frame bytes, of kind `checksumKind`
    /// (`ArchiveChecksum`; nil: `StableHash`, in archives written before the kinds).
    public var checksum: UInt64
    public var checksumKind: String?
    /// The epoch whose commit made it durable.
    public var epoch: UInt64
}

/// A source position as an index stores it.
public struct ArchivedPosition: Codable, Sendable, Hashable {
    public var source: String
    public var split: Int
    public var offset: Int64

    var position: SourcePosition { SourcePosition(source: source, split: split, offset: offset) }
}

/// One line of a `.idx` file: a committed frame, or the seal that ends the segment.
struct ArchiveIndexLine: Codable {
    var frame: ArchiveFrame?
    var sealed: Bool?

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of numbers and strings cannot fail.
        var bytes = Array((try? encoder.encode(self)) ?? Data())
        bytes.append(0x0A)
        return bytes
    }
}

/// A segment as its index describes it: what a reader may read, nothing more.
public struct ArchiveSegment: Sendable, Equatable {
    /// The segment's number (file names `segment-NNNNNNNNNN.lz4` / `.idx`).
    public var number: Int
    public var dataPath: String
    public var indexPath: String
    /// The committed frames, in write order.
    public var frames: [ArchiveFrame]
    /// True once the sink finished the segment (rolled, closed, or sealed on repair).
    public var sealed: Bool

    public var rows: Int { frames.reduce(0) { $0 + $1.rows } }
    public var compressedBytes: Int64 { frames.reduce(0) { $0 + $1.length } }
    public var rawBytes: Int64 { frames.reduce(0) { $0 + $1.bytes } }
    public var minTime: Int64? { frames.compactMap(\.minTime).min() }
    public var maxTime: Int64? { frames.compactMap(\.maxTime).max() }
    /// Where the committed frames end in the data file.
    public var committedEnd: Int64 { frames.last.map { $0.offset + $0.length } ?? 0 }

    /// True when some row may fall in `[from, to)`; a segment whose rows have no event
    /// time may hold any, so it overlaps every range.
    public func overlaps(from: Int64?, to: Int64?) -> Bool {
        frames.contains { $0.overlaps(from: from, to: to) }
    }
}

extension ArchiveFrame {
    /// True when some row may fall in `[from, to)`.
    public func overlaps(from: Int64?, to: Int64?) -> Bool {
        guard let minTime, let maxTime else { return true }
        if let from, maxTime < from { return false }
        if let to, minTime >= to { return false }
        return true
    }
}

/// Names and index files of an archive directory.
public enum ArchiveLayout {
    static let prefix = "segment-"

    static func dataPath(_ directory: String, _ number: Int) -> String { directory + "/" + name(number) + ".lz4" }
    static func indexPath(_ directory: String, _ number: Int) -> String { directory + "/" + name(number) + ".idx" }
    private static func name(_ number: Int) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// The segment numbers present in `directory` (a data or an index file), ascending.
    static func segmentNumbers(in directory: String) throws -> [Int] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SluiceError(.io, "cannot list the archive directory \(directory): \(error.localizedDescription)")
        }
        var numbers = Set<Int>()
        for name in names where name.hasPrefix(prefix) && (name.hasSuffix(".lz4") || name.hasSuffix(".idx")) {
            if let number = Int(name.dropFirst(prefix.count).dropLast(4)) { numbers.insert(number) }
        }
        return numbers.sorted()
    }

    /// Reads an index file: every whole, valid line, in order. A torn or unreadable last
    /// part (a crash mid-append) ends the index there.
    /// - Returns: the segment, and the byte length of the valid prefix of the index file.
    static func readIndex(_ directory: String, _ number: Int) throws -> (ArchiveSegment, validBytes: Int) {
        let read = try readIndexLines(directory, number)
        return (read.segment, read.validBytes)
    }

    /// `readIndex`, with where each frame's line starts in the index file (repair cuts
    /// the index back to a frame's line).
    static func readIndexLines(_ directory: String, _ number: Int) throws
        -> (segment: ArchiveSegment, validBytes: Int, frameLineStarts: [Int])
    {
        let path = indexPath(directory, number)
        let bytes = FileManager.default.contents(atPath: path).map(Array.init) ?? []
        var segment = ArchiveSegment(
            number: number, dataPath: dataPath(directory, number), indexPath: path, frames: [], sealed: false)
        let decoder = JSONDecoder()
        var start = 0
        var frameLineStarts: [Int] = []
        while start < bytes.count, !segment.sealed, let newline = bytes[start...].firstIndex(of: 0x0A) {
            guard let line = try? decoder.decode(ArchiveIndexLine.self, from: Data(bytes[start..<newline])) else { break }
            if let frame = line.frame {
                guard frame.offset == segment.committedEnd, frame.length > 0 else { break }
                segment.frames.append(frame)
                frameLineStarts.append(start)
            } else if line.sealed == true {
                segment.sealed = true
            } else {
                break
            }
            start = newline + 1
        }
        return (segment, start, frameLineStarts)
    }

    /// The segments of an archive as a reader sees them: only what the indexes record as
    /// committed (nothing is changed on disk; see `ArchiveRepair` for that).
    public static func segments(in directory: String) throws -> [ArchiveSegment] {
        try segmentNumbers(in: directory).map { try readIndex(directory, $0).0 }.filter { !$0.frames.isEmpty }
    }

    /// Segments holding bytes their index does not cover (a torn write a crash left, or
    /// an epoch being written now), with how many: what the sink's repair would cut.
    public static func uncommittedBytes(in directory: String) throws -> [Int: Int64] {
        var out: [Int: Int64] = [:]
        for number in try segmentNumbers(in: directory) {
            let (segment, _) = try readIndex(directory, number)
            let extra = ArchiveRepair.fileSize(segment.dataPath) - segment.committedEnd
            if extra > 0 { out[number] = extra }
        }
        return out
    }
}
