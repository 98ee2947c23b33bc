public import SluiceAMQP

/// How an `AMQPSource` consumes (the source parameters of an `amqp://` URI).
public struct AMQPSourceOptions: Sendable {
    /// How message bodies are read.
    public enum BodyFormat: String, Sendable {
        /// `application/x-ndjson` messages carry many events (one per line); others one.
        case auto
        /// One JSON event per message.
        case json
        /// Many events per message, one per line.
        case ndjson
    }

    public var connection: AMQPConfiguration
    /// The queues consumed, one split each.
    public var queues: [String]
    /// Unacknowledged deliveries the broker sends at most, per queue.
    ///
    /// - Important: Deliveries are acknowledged only once their epoch is committed. When
    ///   a quarter of the window is unacknowledged the reader asks for an epoch at once (not at the
    ///   next clock tick), so a source stalls (returns `.idle`) only while a commit takes
    ///   longer than reading the other three quarters: keep `prefetch × 3/4 ≥ messages per second ×
    ///   commit time` with room to spare.
    public var prefetch: Int
    public var format: BodyFormat
    /// Declare each queue (durable) before consuming, so a fresh broker works.
    public var declareQueues: Bool
    /// Arguments given when declaring the queues (`x-single-active-consumer` for partitions).
    public var queueArguments: [(String, AMQPFieldValue)]
    /// Undecodable messages are also published here (with confirms) before they are
    /// acknowledged, with headers `x-sluice-reason`, `x-sluice-source`,
    /// `x-original-exchange`, `x-original-routing-key`, `x-original-queue`. nil: only the
    /// pipeline's dead letters get them.
    public var deadLetterExchange: String?
    /// Named in dead-letter headers.
    public var pipeline: String?
    /// The first wait after a lost connection; it doubles per failure up to `reconnectMaximum`.
    public var reconnectInitial: Duration
    public var reconnectMaximum: Duration
    /// End the split (a bounded run) once the queue is empty and nothing arrived for this
    /// long; nil: read forever.
    public var endWhenIdle: Duration?
    /// At most this many messages per `next` call.
    public var messagesPerRead: Int

    public init(
        connection: AMQPConfiguration, queues: [String], prefetch: Int = 10_000, format: BodyFormat = .auto,
        declareQueues: Bool = true, queueArguments: [(String, AMQPFieldValue)] = [], deadLetterExchange: String? = nil,
        pipeline: String? = nil, reconnectInitial: Duration = .milliseconds(250), reconnectMaximum: Duration = .seconds(30),
        endWhenIdle: Duration? = nil, messagesPerRead: Int = 4096
    ) {
        self.connection = connection
        self.queues = queues
        self.prefetch = prefetch
        self.format = format
        self.declareQueues = declareQueues
        self.queueArguments = queueArguments
        self.deadLetterExchange = deadLetterExchange
        self.pipeline = pipeline
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
        self.endWhenIdle = endWhenIdle
        self.messagesPerRead = messagesPerRead
    }
}
