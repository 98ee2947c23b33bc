import Foundation
import SluiceAMQP
import SluiceCore
import SluicePostgres
import Synchronization

/// Waits until this process is the active consumer of one single-active-consumer queue,
/// then hands that very connection to the split that reads the queue.
///
/// RabbitMQ tells a waiting consumer nothing when it becomes active (AMQP 0-9-1 has no
/// such notification), so activation is the first delivery. The connection that got it
/// must be the one that goes on reading: closing it would give the queue to the next
/// waiting consumer, maybe in another process. So `waitUntilActive` keeps the connection
/// and the first deliveries, and the queue's `AMQPSplitReader` takes them over
/// (`AMQPSource.adopt`) once the job restored the queue's checkpoint; those deliveries are
/// read first, nothing is acknowledged in between.
///
/// - Important: One thread at a time uses the connection: the caller of
///   `waitUntilActive`, then (after `take`) the split reader. The lock orders the handover;
///   that is why the class is `@unchecked Sendable`.
public final class AMQPQueueLease: @unchecked Sendable {
    public enum Outcome: Sendable, Equatable {
        /// This process receives the queue's messages.
        case active
        /// `isStopping` said so before the queue became ours.
        case stopped
        /// A bounded run (`endWhenIdle`): the queue is empty and nobody else consumes it.
        case ended
    }

    public let queue: String
    private let options: AMQPSourceOptions
    private let lock = NSLock()
    private var connection: AMQPConnection?
    private var first: [AMQPDelivery] = []

    /// - Parameter options: the options of the source reading the queue (its connection,
    ///   prefetch, queue arguments, reconnect waits and `endWhenIdle`); `queue` must be one
    ///   of its queues.
    public init(queue: String, options: AMQPSourceOptions) {
        self.queue = queue
        self.options = options
    }

    deinit { lock.withLock { connection?.close() } }

    /// Subscribes to the queue and blocks until a message arrives (the broker made this
    /// consumer the active one), `isStopping()` returns true (checked about every 200 ms),
    /// or, in a bounded run, the queue is empty with no other consumer for `endWhenIdle`.
    /// A lost connection is reopened with the source's backoff.
    /// - Throws: `SluiceError` `.sourceFailed` when no new connection can help (a refused
    ///   login, a queue declared with other arguments).
    public func waitUntilActive(isStopping: () -> Bool) throws -> Outcome {
        var standby: AMQPConnection?
        var failures = 0
        var backoff = Backoff(initial: options.reconnectInitial, maximum: options.reconnectMaximum)
        var quietSince = ContinuousClock.now
        // Asks the queue's counts in a bounded run; kept open across probes.
        var probe: AMQPConnection?
        defer {
            standby?.close()
            probe?.close()
        }
        while !isStopping() {
            do {
                if standby == nil {
                    let opened = try AMQPConnection.connect(options.connection)
                    standby = opened
                    if options.declareQueues { try opened.declareQueue(queue, arguments: options.queueArguments) }
                    try opened.setPrefetch(options.prefetch)
                    try opened.consume(queue)
                    failures = 0
                }
                guard let consumer = standby else { continue }
                if let delivery = try consumer.nextDelivery(timeout: .milliseconds(200)) {
                    lock.withLock {
                        connection = consumer
                        first = [delivery]
                    }
                    standby = nil
                    return .active
                }
                if let quiet = options.endWhenIdle, ContinuousClock.now - quietSince >= quiet {
                    if try isIdle(probe: &probe) { return .ended }
                    quietSince = ContinuousClock.now
                }
            } catch let error as AMQPError {
                standby?.close()
                standby = nil
                probe?.close()
                probe = nil
                guard error.isRetryable else { throw SluiceError(.sourceFailed, "queue '\(queue)': \(error)") }
                failures += 1
                Thread.sleep(forTimeInterval: Double(backoff.delayMillis(afterFailures: failures)) / 1000)
            }
        }
        return .stopped
    }

    /// True when the queue holds no ready message and has no consumer but ours: then no
    /// other process holds unacknowledged messages of it either. Opens `probe` when it is
    /// not open (a passive declare on the consuming channel could meet a delivery).
    private func isIdle(probe: inout AMQPConnection?) throws -> Bool {
        if probe?.isBroken ?? true {
            probe?.close()
            probe = try AMQPConnection.connect(options.connection)
        }
        guard let probe else { return false }
        let counts = try probe.queueCounts(queue)
        return counts.messages == 0 && counts.consumers <= 1
    }

    /// The active connection and the deliveries it already received, once; nil before
    /// `waitUntilActive` returned `.active` or after another `take`.
    func take() -> (AMQPConnection, [AMQPDelivery])? {
        lock.withLock {
            guard let taken = connection else { return nil }
            connection = nil
            defer { first = [] }
            return (taken, first)
        }
    }
}

/// Where `AMQPSource.adopt` leaves leases for the split readers of their queues (shared
/// by every copy of the source).
final class AMQPLeaseHandoff: Sendable {
    private let leases = Mutex<[String: AMQPQueueLease]>([:])

    func put(_ lease: AMQPQueueLease) { leases.withLock { $0[lease.queue] = lease } }

    /// The active connection of `queue`'s lease and its first deliveries, once.
    func take(_ queue: String) -> (AMQPConnection, [AMQPDelivery])? {
        leases.withLock { $0.removeValue(forKey: queue) }?.take()
    }
}
