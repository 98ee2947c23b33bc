import Dispatch
import SluiceCore
import SluiceFormats

/// A second decoder on its own queue, so one file split is decoded by two threads.
///
/// Why: a file split is read by one thread, and decoding JSON is most of a batch job's
/// CPU (48 % of W2 agent-metrics with 2 workers): that one thread was the bottleneck and
/// the partitions waited for it. `NDJSONFileReader` hands every other chunk here and
/// decodes the ones between itself; chunks are still returned in file order, so the
/// output does not depend on which thread decoded what.
///
/// One job at a time: `start` copies the chunk's bytes (the reader's buffer moves on),
/// `wait` returns its result.
///
/// - Important: `start`/`wait` are called by the reader's thread only, alternately; the
///   semaphore orders the queue's writes before the reader's reads, which is why the
///   class may be `@unchecked Sendable`.
final class DecodeAhead: @unchecked Sendable {
    private var decoder: JSONBatchDecoder
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var result: (Batch, [Rejection])?
    private let queue = DispatchQueue(label: "sluice.file.decode-ahead")
    private let done = DispatchSemaphore(value: 0)
    /// A job was started and not yet waited for.
    private(set) var isBusy = false

    init(decoder: JSONBatchDecoder) {
        self.decoder = decoder
        capacity = 1 << 16
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        if isBusy { done.wait() }
        buffer.deallocate()
    }

    /// Starts decoding a copy of `bytes` (whole lines) on the queue.
    func start(_ bytes: UnsafeRawBufferPointer, firstLine: Int64, source: String, split: Int, baseOffset: Int64) {
        precondition(!isBusy, "one decode-ahead job at a time")
        if bytes.count > capacity {
            buffer.deallocate()
            capacity = bytes.count
            buffer = .allocate(byteCount: capacity, alignment: 16)
        }
        if let base = bytes.baseAddress, bytes.count > 0 { buffer.copyMemory(from: base, byteCount: bytes.count) }
        let count = bytes.count
        isBusy = true
        queue.async {
            self.result = self.decoder.decodeLines(
                UnsafeRawBufferPointer(start: self.buffer, count: count), firstLine: firstLine, source: source,
                split: split, baseOffset: baseOffset)
            self.done.signal()
        }
    }

    /// The started job's batch and rejections, once decoded.
    func wait() -> (Batch, [Rejection]) {
        precondition(isBusy, "no decode-ahead job started")
        done.wait()
        isBusy = false
        defer { result = nil }
        return result!
    }
}
