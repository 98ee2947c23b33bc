import SluiceCore
import SluiceLZ4

/// Reads the committed frames of one segment back: checks each frame's checksum
/// (`ArchiveChecksum`, of the kind its index line names), then decompresses it (frames
/// written before the index checksum became fast also check their content). A frame that
/// fails either is an error naming the segment, never text handed on.
///
/// Not thread-safe: one reader per thread (each split has its own).
public final class ArchiveSegmentReader {
    public let segment: ArchiveSegment
    private let file: ReadableFile
    private let decompressor: LZ4FrameDecompressor
    private var compressed: [UInt8] = []

    public init(segment: ArchiveSegment) throws {
        self.segment = segment
        file = try ReadableFile(path: segment.dataPath)
        decompressor = try LZ4FrameDecompressor()
    }

    /// The largest uncompressed frame of the segment (what `read(frame:into:)` needs).
    public var largestFrameBytes: Int { segment.frames.map { Int($0.bytes) }.max() ?? 0 }

    /// Decompresses frame `index` straight into `destination` (at least the frame's
    /// `bytes` long, as its index line says).
    /// - Returns: the bytes written, always the index's count for the frame.
    public func read(frame index: Int, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        let frame = segment.frames[index]
        let length = Int(frame.length)
        if compressed.count < length { compressed = [UInt8](repeating: 0, count: length) }
        var done = 0
        try compressed.withUnsafeMutableBytes { buffer in
            while done < length {
                let n = try file.read(into: buffer.baseAddress! + done, count: length - done, at: frame.offset + Int64(done))
                if n == 0 { break }
                done += n
            }
        }
        let checksum = compressed.withUnsafeBytes {
            ArchiveChecksum.hash(UnsafeRawBufferPointer(rebasing: $0[..<done]), kind: frame.checksumKind)
        }
        guard let checksum else {
            throw SluiceError(
                .io, "archive \(segment.dataPath): frame \(index + 1) has a checksum of unknown kind '\(frame.checksumKind ?? "")' (written by a newer sluice?)")
        }
        guard done == length, checksum == frame.checksum else {
            throw SluiceError(.io, "archive \(segment.dataPath): frame \(index + 1) is damaged (checksum or length differs from its index)")
        }
        let produced: Int
        do {
            produced = try compressed.withUnsafeBytes {
                try decompressor.decompressFrame(UnsafeRawBufferPointer(rebasing: $0[..<length]), into: destination).produced
            }
        } catch {
            throw SluiceError(.io, "archive \(segment.dataPath): frame \(index + 1) does not decompress: \(error)")
        }
        guard produced == Int(frame.bytes) else {
            throw SluiceError(.io, "archive \(segment.dataPath): frame \(index + 1) holds \(produced) bytes, its index says \(frame.bytes)")
        }
        return produced
    }

    /// The rows (NDJSON lines) of frame `index`, appended to `out`.
    public func read(frame index: Int, into out: inout [UInt8]) throws {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: Int(segment.frames[index].bytes)))
        do {
            _ = try out.withUnsafeMutableBytes { try read(frame: index, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        } catch {
            out.removeSubrange(start...)
            throw error
        }
    }

    /// Every row of the segment, in write order.
    public func readAll() throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(segment.rawBytes))
        for index in segment.frames.indices { try read(frame: index, into: &out) }
        return out
    }

    public func close() { file.close() }
}
