import Dispatch
import SluiceCore

/// One decode on a serial queue (its own, or one shared with the other jobs of a
/// `DecodeAhead`, which then run in the order started), collected by the thread that
/// started it: how a split's reader has chunks decoded on other threads while it decodes
/// another (`DecodeAhead` for files and archives, `AMQPDecodeAhead` for queues).
///
/// - Important: `start`/`wait` are called by one thread only, alternately; the semaphore
///   orders the queue's write of the result before that thread's read, which is why the
///   class may be `@unchecked Sendable`.
final class DecodeJob: @unchecked Sendable {
    private var result: (Batch, [Rejection])?
    private let queue: DispatchQueue
    private let done = DispatchSemaphore(value: 0)
    /// A job was started and not yet waited for.
    private(set) var isBusy = false

    init(label: String) { queue = DispatchQueue(label: label) }

    /// A job on `queue`, which may run others: jobs started on one serial queue run one at
    /// a time, in the order started.
    init(queue: DispatchQueue) { self.queue = queue }

    deinit { if isBusy { done.wait() } }

    /// Runs `decode` on the queue. What it touches must not be used by the caller until `wait`.
    func start(_ decode: @escaping @Sendable () -> (Batch, [Rejection])) {
        precondition(!isBusy, "one decode job at a time")
        isBusy = true
        queue.async {
            self.result = decode()
            self.done.signal()
        }
    }

    /// The started job's batch and rejections, once decoded.
    func wait() -> (Batch, [Rejection]) {
        precondition(isBusy, "no decode job started")
        done.wait()
        isBusy = false
        defer { result = nil }
        return result!
    }
}
