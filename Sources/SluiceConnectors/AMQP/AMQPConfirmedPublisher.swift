public import SluiceAMQP
import SluiceCore
import SluicePostgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Publishes a set of messages until the broker has confirmed every one: nacked
/// messages are published again, and a lost connection (or confirmations missing after
/// `confirmTimeout`) means a new connection, after backoff, and every unconfirmed
/// message again. Shared by the publishing sink and the dead-letter output.
///
/// Not thread-safe: its owner (a sink) is called from one thread at a time.
public final class AMQPConfirmedPublisher {
    /// One message to publish.
    public struct Message {
        public var routingKey: String
        public var body: [UInt8]
        public var headers: [(String, AMQPFieldValue)]
        public var contentType: String?

        public init(routingKey: String, body: [UInt8], headers: [(String, AMQPFieldValue)] = [], contentType: String? = "application/json") {
            self.routingKey = routingKey
            self.body = body
            self.headers = headers
            self.contentType = contentType
        }
    }

    public let configuration: AMQPConfiguration
    public let exchange: String
    /// Declared (durable, this type) on each new connection; nil: the exchange must exist.
    public var declareExchangeType: String?
    /// Declared (durable) and, when `exchange` is not the default one, bound with the
    /// routing key `#`-free name on each new connection.
    public var declareQueue: String?
    /// How long one wait for confirmations may take before the connection is given up.
    public var confirmTimeout: Duration = .seconds(10)
    private var connection: AMQPConnection?
    private var backoff: Backoff
    // Counters other threads may read (status, tests).
    private let counters = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let confirmations = Atomic<Int>(0)
    private let republications = Atomic<Int>(0)
    /// Connections opened.
    public var connections: Int { counters.load(ordering: .relaxed) }
    /// Attempts that failed (a connection refused or lost, confirmations missing).
    public var failedAttempts: Int { failures.load(ordering: .relaxed) }
    /// Messages confirmed by the broker.
    public var confirmed: Int { confirmations.load(ordering: .relaxed) }
    /// Messages published again after a nack.
    public var republished: Int { republications.load(ordering: .relaxed) }

    public init(configuration: AMQPConfiguration, exchange: String, reconnectMaximum: Duration = .seconds(30)) {
        self.configuration = configuration
        self.exchange = exchange
        backoff = Backoff(initial: .milliseconds(250), maximum: reconnectMaximum)
    }

    /// Publishes `messages` and returns once all are confirmed.
    /// - Throws: `SluiceError` `.sinkFailed` when they are not all confirmed by `deadline`
    ///   or the broker refuses for good (a missing exchange, a refused login).
    public func publishAll(_ messages: [Message], until deadline: ContinuousClock.Instant, what: String) throws {
        var unconfirmed = Array(messages.indices)
        var consecutive = 0
        while !unconfirmed.isEmpty {
            do {
                unconfirmed = try publish(messages, unconfirmed)
                republications.add(unconfirmed.count, ordering: .relaxed)
            } catch let error as AMQPError {
                close()
                consecutive += 1
                failures.add(1, ordering: .relaxed)
                guard error.isRetryable, ContinuousClock.now < deadline else {
                    throw SluiceError(.sinkFailed, "\(what): \(unconfirmed.count) of \(messages.count) messages not confirmed: \(error)")
                }
                let left = (deadline - ContinuousClock.now).components
                let leftMillis = left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000
                usleep(UInt32(clamping: max(1, min(backoff.delayMillis(afterFailures: consecutive), leftMillis)) * 1000))
            }
        }
        confirmations.add(messages.count, ordering: .relaxed)
    }

    /// Publishes the messages at `indices`, waits for their confirmations, returns the nacked.
    private func publish(_ messages: [Message], _ indices: [Int]) throws -> [Int] {
        let connection = try connect()
        let first = connection.publishedSequence + 1
        for (n, index) in indices.enumerated() {
            let message = messages[index]
            try connection.publish(
                exchange: exchange, routingKey: message.routingKey, body: message.body, contentType: message.contentType,
                headers: message.headers)
            if n % 1000 == 999 { try connection.pollConfirms() }
        }
        let nacked = try connection.waitForConfirms(timeout: confirmTimeout)
        var again: [Int] = []
        for range in nacked {
            for sequence in range where sequence >= first && sequence - first < UInt64(indices.count) {
                again.append(indices[Int(sequence - first)])
            }
        }
        return again
    }

    private func connect() throws -> AMQPConnection {
        if let connection, !connection.isBroken { return connection }
        close()
        let opened = try AMQPConnection.connect(configuration)
        if let type = declareExchangeType, !exchange.isEmpty { try opened.declareExchange(exchange, type: type) }
        if let queue = declareQueue {
            try opened.declareQueue(queue)
            if !exchange.isEmpty { try opened.bindQueue(queue, exchange: exchange, routingKey: queue) }
        }
        try opened.confirmSelect()
        connection = opened
        counters.add(1, ordering: .relaxed)
        return opened
    }

    public func close() {
        connection?.close()
        connection = nil
    }
}
