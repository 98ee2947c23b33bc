import CLZ4

/// Reads LZ4 frames back. Owns one `LZ4F_dctx` for its lifetime.
///
/// Only whole frames decode: a frame that ends early (a torn write) or whose content
/// checksum does not match throws, and nothing of it is appended, so a caller never sees
/// part of a damaged frame. Not thread-safe: one owner at a time.
public final class LZ4FrameDecompressor {
    private let context: OpaquePointer
    private var scratch: UnsafeMutableRawPointer
    private let scratchBytes = 1 << 20

    public init() throws {
        var made: OpaquePointer?
        try LZ4Error.check(LZ4F_createDecompressionContext(&made, UInt32(LZ4F_VERSION)), "createDecompressionContext")
        guard let made else { throw LZ4Error(operation: "createDecompressionContext", reason: "no context") }
        context = made
        scratch = .allocate(byteCount: scratchBytes, alignment: 16)
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
        scratch.deallocate()
    }

    /// Decodes the one frame at the start of `input`, appending its content to `out`.
    /// - Returns: how many bytes of `input` the frame took (more frames may follow).
    /// - Throws: `LZ4Error` when the bytes are not a whole, valid frame.
    @discardableResult
    public func decompressFrame(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) throws -> Int {
        guard let base = input.baseAddress, input.count > 0 else {
            throw LZ4Error(operation: "decompress", reason: "no frame: the input is empty")
        }
        let start = out.count
        var consumed = 0
        while true {
            var sourceBytes = input.count - consumed
            var produced = scratchBytes
            let hint: Int
            do {
                hint = try LZ4Error.check(
                    LZ4F_decompress(context, scratch, &produced, base + consumed, &sourceBytes, nil), "decompress")
            } catch {
                LZ4F_resetDecompressionContext(context)
                out.removeSubrange(start...)
                throw error
            }
            consumed += sourceBytes
            if produced > 0 { out.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: produced)) }
            if hint == 0 { return consumed }  // the frame ended (its checksum was verified)
            if consumed == input.count && produced == 0 {
                LZ4F_resetDecompressionContext(context)
                out.removeSubrange(start...)
                throw LZ4Error(operation: "decompress", reason: "the frame is truncated (\(input.count) bytes, more expected)")
            }
        }
    }

    /// Decodes the one frame at the start of `input` straight into `destination` (no copy
    /// through the scratch buffer; liblz4 writes whole blocks there when they fit).
    /// - Returns: how many bytes of `input` the frame took and how many it produced.
    /// - Throws: `LZ4Error` when the bytes are not a whole, valid frame, or when its
    ///   content does not fit in `destination` (what was written there is then garbage).
    public func decompressFrame(
        _ input: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int) {
        guard let base = input.baseAddress, input.count > 0 else {
            throw LZ4Error(operation: "decompress", reason: "no frame: the input is empty")
        }
        var consumed = 0
        var produced = 0
        while true {
            var sourceBytes = input.count - consumed
            var destinationBytes = destination.count - produced
            let hint: Int
            do {
                hint = try LZ4Error.check(
                    LZ4F_decompress(
                        context, destination.baseAddress.map { $0 + produced }, &destinationBytes, base + consumed,
                        &sourceBytes, nil), "decompress")
            } catch {
                LZ4F_resetDecompressionContext(context)
                throw error
            }
            consumed += sourceBytes
            produced += destinationBytes
            if hint == 0 { return (consumed, produced) }  // the frame ended (its checksum, if any, was verified)
            if sourceBytes == 0 && destinationBytes == 0 {  // no progress: out of input or of room
                LZ4F_resetDecompressionContext(context)
                let reason =
                    consumed == input.count
                    ? "the frame is truncated (\(input.count) bytes, more expected)"
                    : "the frame's content is larger than \(destination.count) bytes"
                throw LZ4Error(operation: "decompress", reason: reason)
            }
        }
    }

    /// Decodes every frame in `input` (frames written one after another), appending to `out`.
    public func decompressAll(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        var offset = 0
        while offset < input.count {
            offset += try decompressFrame(UnsafeRawBufferPointer(rebasing: input[offset...]), into: &out)
        }
    }

    /// Decodes every frame in `input`.
    public func decompressAll(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        try input.withUnsafeBytes { raw in try decompressAll(raw, into: &out) }
        return out
    }
}

/// One-call helpers over a fresh context (for small payloads such as checkpoints).
public enum LZ4Frame {
    /// `bytes` as one LZ4 frame.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2 + 64)
        try LZ4FrameCompressor().compressFrame(bytes, into: &out)
        return out
    }

    /// The content of the frames in `bytes`.
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        try LZ4FrameDecompressor().decompressAll(bytes)
    }
}
