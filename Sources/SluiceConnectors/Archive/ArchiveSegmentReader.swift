import SluiceCore
import SluiceLZ4

/// Reads the committed frames of one segment back: checks each frame's checksum, then
/// decompresses it (the frame checks its content again). A frame that fails either is
/// an error naming the segment, never text handed on.
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

    /// The rows (NDJSON lines) of frame `index`, appended to `out`.
    public func read(frame index: Int, into out: inout [UInt8]) throws {
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
        let checksum = compressed.withUnsafeBytes { StableHash.hash(bytes: UnsafeRawBufferPointer(rebasing: $0[..<done])) }
        guard done == length, checksum == frame.checksum else {
            throw SluiceError(.io, "archive \(segment.dataPath): frame \(index + 1) is damaged (checksum or length differs from its index)")
        }
        do {
            try compressed.withUnsafeBytes {
                _ = try decompressor.decompressFrame(UnsafeRawBufferPointer(rebasing: $0[..<length]), into: &out)
            }
        } catch {
            throw SluiceError(.io, "archive \(segment.dataPath): frame \(index + 1) does not decompress: \(error)")
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
