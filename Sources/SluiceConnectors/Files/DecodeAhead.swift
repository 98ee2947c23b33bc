#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import SluiceCore
import SluiceFormats

/// A helper decoder on its own queue, so one file or archive split is decoded by several
/// threads (`perSplit` of these and the reader).
///
/// Why: a file split is read by one thread, and decoding JSON is most of a batch job's
/// CPU (48 % of W2 agent-metrics with 2 workers): that one thread was the bottleneck and
/// the partitions waited for it. `NDJSONFileReader` hands chunks to these and decodes a
/// chunk itself when all are full (`DecodeAheadQueue`); chunks are still returned in file
/// order, so the output does not depend on which thread decoded what.
///
/// Up to `jobsInFlight` jobs at a time, run in the order started: `start` copies the chunk's
/// bytes (the reader's buffer moves on; when the decoder keeps records, into the array the
/// batch keeps), `wait` returns the oldest job's result. Why more than one: with one, a
/// helper that finished early sat idle until the reader, waiting for an older chunk on
/// another helper, came back to collect its result and start another (both cores idle
/// 14-16 % of a W2 job; the reader slept ~47 % of its time in `DecodeJob.wait`).
///
/// - Important: `start`/`wait` are called by the reader's thread only (see `DecodeJob`).
///   The decoder is used by the queue alone once constructed (the reader reads only
///   `keepsRecords`, copied at `init`: a job may be decoding while the next is started), and
///   a job's buffer only between that job's `start` and `wait`, which is why the class may be
///   `@unchecked Sendable`.
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
    /// Four, so that while the reader waits for the oldest chunk the other helpers still
    /// have chunks in hand (`DecodeAheadQueue` cuts this many per helper ahead of the
    /// reader). Against two: W2 jobs 1–3 % faster in seven of seven paired comparisons,
    /// each within this machine's noise, for ~13–19 MB; idle time unchanged, so why is not
    /// shown (Benchmarks/README.md, session 24).
    static let jobsInFlight = 4
    private var decoder: JSONBatchDecoder
    /// `decoder.options.keepsRecords`, for the reader's thread.
    private let keepsRecords: Bool
    /// One per job in flight, used in turn: the job `jobsInFlight` starts earlier, which
    /// used the same slot, has been waited for.
    private let slots: [Slot]
    private var started = 0
    private var waited = 0
    /// Jobs started and not yet waited for.
    var inFlight: Int { started - waited }
    /// As many jobs as may be in flight are.
    var isFull: Bool { inFlight == Self.jobsInFlight }

    /// A job and the buffer it decodes from (touched by the queue only while its job runs).
    private final class Slot: @unchecked Sendable {
        let job: DecodeJob
        var buffer: UnsafeMutableRawPointer
        var capacity: Int

        init(queue: DispatchQueue) {
            job = DecodeJob(queue: queue)
            capacity = 1 << 16
            buffer = .allocate(byteCount: capacity, alignment: 16)
        }

        deinit {
            if job.isBusy { _ = job.wait() }
            buffer.deallocate()
        }
    }

    init(decoder: JSONBatchDecoder) {
        self.decoder = decoder
        keepsRecords = decoder.options.keepsRecords
        let queue = DispatchQueue(label: "sluice.file.decode-ahead")
        slots = (0..<Self.jobsInFlight).map { _ in Slot(queue: queue) }
    }

    /// Starts decoding `block[range]` (whole lines) on the queue, after the jobs in flight:
    /// in place when the batch keeps its records (they stay in the block, which its reader
    /// then no longer writes there), else from a copy in the job's own buffer.
    func start(
        _ block: RecordBlock, range: Range<Int>, firstLine: Int64, source: String, split: Int, baseOffset: Int64
    ) {
        // Before the buffer is touched: a busy job is still reading it.
        precondition(!isFull, "at most \(Self.jobsInFlight) decodes in flight")
        let slot = slots[started % Self.jobsInFlight]
        started += 1
        if keepsRecords {
            slot.job.start {
                self.decoder.decodeLines(
                    in: block, range: range, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
            }
            return
        }
        startCopy(
            UnsafeRawBufferPointer(start: block.base + range.lowerBound, count: range.count), in: slot,
            firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
    }

    /// Starts decoding a copy of `bytes` (whole lines), for a caller that reuses its buffer at once.
    func start(copying bytes: UnsafeRawBufferPointer, firstLine: Int64, source: String, split: Int, baseOffset: Int64) {
        if keepsRecords {
            // The copy becomes the batch's records: one copy, not two.
            start(
                RecordBlock(copying: bytes), range: 0..<bytes.count, firstLine: firstLine, source: source, split: split,
                baseOffset: baseOffset)
            return
        }
        precondition(!isFull, "at most \(Self.jobsInFlight) decodes in flight")
        let slot = slots[started % Self.jobsInFlight]
        started += 1
        startCopy(bytes, in: slot, firstLine: firstLine, source: source, split: split, baseOffset: baseOffset)
    }

    /// Copies `bytes` into `slot`'s buffer and decodes them from there.
    private func startCopy(
        _ bytes: UnsafeRawBufferPointer, in slot: Slot, firstLine: Int64, source: String, split: Int, baseOffset: Int64
    ) {
        let count = bytes.count
        if count > slot.capacity {
            slot.buffer.deallocate()
            slot.capacity = count
            slot.buffer = .allocate(byteCount: slot.capacity, alignment: 16)
        }
        if let base = bytes.baseAddress, count > 0 { slot.buffer.copyMemory(from: base, byteCount: count) }
        slot.job.start {
            self.decoder.decodeLines(
                UnsafeRawBufferPointer(start: slot.buffer, count: count), firstLine: firstLine, source: source,
                split: split, baseOffset: baseOffset)
        }
    }

    /// The oldest job's batch and rejections, once decoded.
    func wait() -> (Batch, [Rejection]) {
        precondition(inFlight > 0, "no decode job started")
        let slot = slots[waited % Self.jobsInFlight]
        waited += 1
        return slot.job.wait()
    }
}
