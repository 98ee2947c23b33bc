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
/// - Important: `start`/`wait` are called by the reader's thread only, alternately (see
///   `DecodeJob`): the decoder is used by the queue only between them, which is why the
///   class may be `@unchecked Sendable`.
final class AMQPDecodeAhead: @unchecked Sendable {
    private var decoder: AMQPMessageDecoder
    private let job = DecodeJob(label: "sluice.amqp.decode-ahead")

    init(decoder: AMQPMessageDecoder) { self.decoder = decoder }

    deinit { if job.isBusy { _ = job.wait() } }

    /// Starts decoding `deliveries` (positions `offsets`) on the queue.
    func start(_ deliveries: [AMQPDelivery], offsets: [Int64], source: String, split: Int) {
        job.start { self.decoder.decode(deliveries, offsets: offsets, source: source, split: split) }
    }

    /// The started job's batch and rejections, once decoded.
    func wait() -> (Batch, [Rejection]) { job.wait() }
}
