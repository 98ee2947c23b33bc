import Dispatch
import SluiceAMQP
import SluiceCore

/// A second message decoder on its own queue, so one queue's deliveries are decoded by two
/// threads.
///
/// Why: a queue is one split, read by one thread, and with batched bodies decoding is most
/// of that thread's work (1.4 of 2.5 CPU-s for 2 M events through agent-metrics): the
/// thread was the pipeline's limit while the partitions had CPU to spare. The reader hands
/// a large read here and decodes the next one itself; reads are still returned in order.
///
/// - Important: `start`/`wait` are called by the reader's thread only, alternately; the
///   semaphore orders the queue's writes before the reader's reads, which is why the class
///   may be `@unchecked Sendable`.
final class AMQPDecodeAhead: @unchecked Sendable {
    private var decoder: AMQPMessageDecoder
    private var result: (Batch, [Rejection])?
    private let queue = DispatchQueue(label: "sluice.amqp.decode-ahead")
    private let done = DispatchSemaphore(value: 0)
    /// A job was started and not yet waited for.
    private(set) var isBusy = false

    init(decoder: AMQPMessageDecoder) { self.decoder = decoder }

    deinit { if isBusy { done.wait() } }

    /// Starts decoding `deliveries` (positions `offsets`) on the queue.
    func start(_ deliveries: [AMQPDelivery], offsets: [Int64], source: String, split: Int) {
        precondition(!isBusy, "one decode-ahead job at a time")
        isBusy = true
        queue.async {
            self.result = self.decoder.decode(deliveries, offsets: offsets, source: source, split: split)
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
