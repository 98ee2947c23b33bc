import SluiceAMQP
import Synchronization

/// Messages ready on a source's queues, asked with a passive `queue.declare` on a side
/// connection of its own, at most once per `interval`: a scrape between two probes gets
/// the last answer. Never used by the readers (not on the hot path).
final class AMQPLagProbe: Sendable {
    private let connection: AMQPConfiguration
    private let queues: [String]
    private let interval: Duration
    private struct Last {
        var at: ContinuousClock.Instant?
        var messages: Int64?
    }
    private let last = Mutex(Last())

    init(connection: AMQPConfiguration, queues: [String], interval: Duration = .seconds(2)) {
        self.connection = connection
        self.queues = queues
        self.interval = interval
    }

    /// Ready messages over every queue; the previous answer while it is fresh or when the
    /// broker cannot be asked (nil if it never could).
    var messagesReady: Int64? {
        // Holding the lock over the probe makes concurrent scrapes wait for one probe
        // instead of each opening a connection.
        last.withLock { last in
            let now = ContinuousClock.now
            if let at = last.at, now - at < interval { return last.messages }
            last.at = now
            do {
                let side = try AMQPConnection.connect(connection)
                defer { side.close() }
                var total: Int64 = 0
                for queue in queues { total += Int64(try side.queueCounts(queue).messages) }
                last.messages = total
            } catch {
                // Keep the last answer; the readers report the connection state.
            }
            return last.messages
        }
    }
}
