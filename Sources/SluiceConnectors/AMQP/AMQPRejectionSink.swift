public import SluiceAMQP
public import SluiceCore

/// The pipeline's dead letters published to RabbitMQ: each rejected record as one
/// persistent message (its bytes as received) with headers `x-sluice-reason`,
/// `x-sluice-pipeline`, `x-sluice-source`, `x-sluice-position` and, for lines,
/// `x-sluice-line`; confirmed by the broker before the epoch commits (so before the
/// source acknowledges the message that held the record). At least once, like every
/// broker output. (An AMQP source's own `dead_letter_exchange` adds the original exchange
/// and routing key, which only the source knows.)
///
/// `@unchecked Sendable`: the runtime's dead-letter executor calls it from one thread.
public final class AMQPRejectionSink: RejectionSink, @unchecked Sendable {
    public let pipeline: String
    public let routingKey: String
    public var commitTimeout: Duration = .seconds(60)
    public let publisher: AMQPConfirmedPublisher
    private var messages: [AMQPConfirmedPublisher.Message] = []

    /// - Parameter declareQueue: a queue declared (durable) and bound to `exchange` with
    ///   its name, so dead letters are kept even before anyone consumes them.
    public init(configuration: AMQPConfiguration, exchange: String, routingKey: String, pipeline: String, declareQueue: String? = nil) {
        self.pipeline = pipeline
        self.routingKey = routingKey
        publisher = AMQPConfirmedPublisher(configuration: configuration, exchange: exchange)
        publisher.declareQueue = declareQueue
    }

    public func write(_ rejections: [Rejection], source: String) throws {
        for rejection in rejections {
            var headers: [(String, AMQPFieldValue)] = [
                ("x-sluice-reason", .string(rejection.reason)), ("x-sluice-pipeline", .string(pipeline)),
                ("x-sluice-source", .string(source)),
            ]
            if let position = rejection.position { headers.append(("x-sluice-position", .string("\(position.split)@\(position.offset)"))) }
            if let line = rejection.line { headers.append(("x-sluice-line", .int(line))) }
            messages.append(.init(routingKey: routingKey, body: rejection.raw, headers: headers, contentType: nil))
        }
    }

    public func commit(epoch: Epoch) throws {
        guard !messages.isEmpty else { return }
        try publisher.publishAll(messages, until: ContinuousClock.now + commitTimeout, what: "dead letters of '\(pipeline)', \(epoch)")
        messages = []
    }

    public func close() throws { publisher.close() }
}
