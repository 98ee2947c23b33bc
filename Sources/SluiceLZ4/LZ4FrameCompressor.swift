import CLZ4

/// Writes LZ4 frames, one at a time, into caller-owned byte arrays.
///
/// Owns one `LZ4F_cctx` (and its output scratch buffer) for its lifetime; reusing it for
/// every frame spares liblz4's per-frame context set-up. A frame is `begin`, any number
/// of `update`s, then `end`; `compressFrame` does all three.
///
/// `contentChecksum: false` leaves the frame's XXH32 of its content out (about a sixth of
/// the compression time and of the decompression time of line data): only for callers
/// that check the frame bytes themselves (the archive's index holds a checksum of each
/// frame). Readers accept frames with or without it.
///
/// Not thread-safe: one owner at a time (liblz4 contexts are not shared across threads).
public final class LZ4FrameCompressor {
    private let context: OpaquePointer
    private var preferences: LZ4F_preferences_t
    private var scratch: UnsafeMutableRawPointer
    private var scratchBytes: Int
    /// True between `begin` and `end`.
    public private(set) var isInFrame = false

    public init(contentChecksum: Bool = true) throws {
        preferences = LZ4Preferences.make(contentChecksum: contentChecksum)
        var made: OpaquePointer?
        try LZ4Error.check(LZ4F_createCompressionContext(&made, UInt32(LZ4F_VERSION)), "createCompressionContext")
        guard let made else { throw LZ4Error(operation: "createCompressionContext", reason: "no context") }
        context = made
        scratchBytes = 1 << 20
        scratch = .allocate(byteCount: scratchBytes, alignment: 16)
    }

    deinit {
        LZ4F_freeCompressionContext(context)
        scratch.deallocate()
    }

    /// Starts a frame: appends its header to `out`.
    public func begin(into out: inout [UInt8]) throws {
        guard !isInFrame else { throw LZ4Error(operation: "compressBegin", reason: "a frame is already open") }
        reserve(32)
        let n = try LZ4Error.check(LZ4F_compressBegin(context, scratch, scratchBytes, &preferences), "compressBegin")
        out.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: n))
        isInFrame = true
    }

    /// Compresses `bytes` into the open frame; appends whatever blocks are complete.
    public func update(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        guard isInFrame else { throw LZ4Error(operation: "compressUpdate", reason: "no frame is open") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Bounded pieces keep the scratch buffer small whatever the input size.
        let piece = 1 << 20
        var offset = 0
        while offset < bytes.count {
            let count = min(piece, bytes.count - offset)
            reserve(LZ4F_compressBound(count, &preferences))
            let n = try LZ4Error.check(
                LZ4F_compressUpdate(context, scratch, scratchBytes, base + offset, count, nil), "compressUpdate")
            if n > 0 { out.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: n)) }
            offset += count
        }
    }

    /// Compresses `bytes` into the open frame.
    public func update(_ bytes: [UInt8], into out: inout [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in try update(raw, into: &out) }
    }

    /// Ends the frame: appends the buffered block, the end mark and the content checksum (if on).
    public func end(into out: inout [UInt8]) throws {
        guard isInFrame else { throw LZ4Error(operation: "compressEnd", reason: "no frame is open") }
        isInFrame = false
        reserve(LZ4F_compressBound(0, &preferences))
        let n = try LZ4Error.check(LZ4F_compressEnd(context, scratch, scratchBytes, nil), "compressEnd")
        out.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: n))
    }

    /// One whole frame holding `bytes`, appended to `out`.
    public func compressFrame(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        try begin(into: &out)
        try update(bytes, into: &out)
        try end(into: &out)
    }

    /// One whole frame holding `bytes`, appended to `out`.
    public func compressFrame(_ bytes: [UInt8], into out: inout [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in try compressFrame(raw, into: &out) }
    }

    private func reserve(_ bytes: Int) {
        guard bytes > scratchBytes else { return }
        scratch.deallocate()
        scratchBytes = bytes
        scratch = .allocate(byteCount: bytes, alignment: 16)
    }
}
