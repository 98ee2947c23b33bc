#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SluiceCore
import SluiceFormats

/// A helper decoder on its own queue, so one file or archive split is decoded by several
/// threads (`perSplit` of these and the reader).
///
/// Why: a file split is read by one thread, and decoding JSON is most of a batch job's
/// CPU (48 % of W2 agent-metrics with 2 workers): that one thread was the bottleneck and
/// the partitions waited for it. `NDJSONFileReader` hands chunks to idle ones here and
/// decodes a chunk itself when none is idle (`DecodeAheadQueue`); chunks are still
/// returned in file order, so the output does not depend on which thread decoded what.
///
/// One job at a time: `start` copies the chunk's bytes (the reader's buffer moves on;
/// when the decoder keeps records, into the array the batch keeps), `wait` returns its
/// result.
///
/// - Important: `start`/`wait` are called by the reader's thread only, alternately (see
///   `DecodeJob`): the decoder and buffer are used by the queue only between them, which
///   is why the class may be `@unchecked Sendable`.
final class DecodeAhead: @unchecked Sendable {
    /// How many a split of a source read as `splits` splits gets: the cores the other
    /// splits leave it, at least one and at most `maxPerSplit`. One split on two cores
    /// decodes on three threads (the reader and two of these): with one second decoder,
    /// both cores were busy only ~80 % of the time (W1 over the archive 91 % of the
    /// file's rate, 95 % with two; `W1Run archive 1`), the reader waiting on the one
    /// started chunk it must hand out first.
    static func perSplit(splits: Int) -> Int {
        min(maxPerSplit, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) / max(1, splits)))
    }

    /// Each decoder hands out its own settled dictionaries, and the caches downstream keep
    /// 16 per column (`KeyWordEncoder`, `DictionaryHashes`): four splits of four decoders
    /// still hit them, and more threads per split would mostly add memory.
    static let maxPerSplit = 3
    private var decoder: JSONBatchDecoder
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private let job = DecodeJob(label: "sluice.file.decode-ahead")
    /// A job was started and not yet waited for.
    var isBusy: Bool { job.isBusy }

    init(decoder: JSONBatchDecoder) {
        self.decoder = decoder
        capacity = 1 << 16
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        if job.isBusy { _ = job.wait() }
        buffer.deallocate()
    }

    /// Starts decoding a copy of `bytes` (whole lines) on the queue.
    func start(_ bytes: UnsafeRawBufferPointer, firstLine: Int64, source: String, split: Int, baseOffset: Int64) {
        // Before the buffer is touched: a busy job is still reading it.
        precondition(!job.isBusy, "one decode at a time")
        if decoder.options.keepsRecords {
            // The copy becomes the batch's records: one copy, not two.
            let owned = [UInt8](bytes)
            job.start {
                self.decoder.decodeLines(
                    owning: owned, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
            }
            return
        }
        if bytes.count > capacity {
            buffer.deallocate()
            capacity = bytes.count
            buffer = .allocate(byteCount: capacity, alignment: 16)
        }
        if let base = bytes.baseAddress, bytes.count > 0 { buffer.copyMemory(from: base, byteCount: bytes.count) }
        let count = bytes.count
        job.start {
            self.decoder.decodeLines(
                UnsafeRawBufferPointer(start: self.buffer, count: count), firstLine: firstLine, source: source,
                split: split, baseOffset: baseOffset)
        }
    }

    /// The started job's batch and rejections, once decoded.
    func wait() -> (Batch, [Rejection]) { job.wait() }
}
