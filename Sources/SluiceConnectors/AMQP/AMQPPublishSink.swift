public import SluiceAMQP
public import SluiceCore
import SluiceFormats

/// Publishes every row as one persistent JSON message to an exchange, with publisher
/// confirms: `commit(epoch:)` returns only when the broker has confirmed every message of
/// the epoch.
///
/// Rows are buffered by `write` and published at `commit` (`AMQPConfirmedPublisher`):
/// a nacked message is published again; a lost connection makes the sink reconnect with
/// backoff and publish every unconfirmed message of the epoch again. If the epoch is
/// still not confirmed after `commitTimeout`, `commit` throws, so the epoch does not
/// commit (the job fails; a restart resumes from the last checkpoint). Delivery is at
/// least once: a message can arrive twice after a lost connection or a replayed epoch;
/// each carries `x-sluice-epoch` and `x-sluice-sink` headers. Retractions are ignored.
///
/// `@unchecked Sendable`: only the runtime's sink executor calls a sink, one thread at a
/// time (the `Sink` contract), so its mutable state needs no lock.
public final class AMQPPublishSink: Sink, @unchecked Sendable {
    public let name: String
    public let routingKey: AMQPRoutingKey
    /// How long `commit` keeps trying before it throws.
    public var commitTimeout: Duration
    public let publisher: AMQPConfirmedPublisher
    private var messages: [AMQPConfirmedPublisher.Message] = []
    private var encoded: [UInt8] = []

    public init(
        name: String, configuration: AMQPConfiguration, exchange: String, routingKey: AMQPRoutingKey,
        declareExchangeType: String? = nil, commitTimeout: Duration = .seconds(60), reconnectMaximum: Duration = .seconds(30)
    ) {
        self.name = name
        self.routingKey = routingKey
        self.commitTimeout = commitTimeout
        publisher = AMQPConfirmedPublisher(configuration: configuration, exchange: exchange, reconnectMaximum: reconnectMaximum)
        publisher.declareExchangeType = declareExchangeType
    }

    public func open(schema: Schema, mode: SinkMode) throws {}

    public func write(_ batch: Batch) throws {
        guard !batch.isEmpty else { return }
        let keys = try routingKey.keys(for: batch)
        encoded.removeAll(keepingCapacity: true)
        NDJSONEncoder.encode(batch, into: &encoded)
        var start = 0
        var row = 0
        for i in encoded.indices where encoded[i] == 0x0A {
            messages.append(AMQPConfirmedPublisher.Message(routingKey: keys[row], body: Array(encoded[start..<i])))
            start = i + 1
            row += 1
        }
    }

    public func commit(epoch: Epoch) throws {
        guard !messages.isEmpty else { return }
        let header: [(String, AMQPFieldValue)] = [("x-sluice-epoch", .int(Int64(epoch.value))), ("x-sluice-sink", .string(name))]
        for i in messages.indices { messages[i].headers = header }
        try publisher.publishAll(messages, until: ContinuousClock.now + commitTimeout, what: "sink '\(name)', \(epoch)")
        messages = []
    }

    public func close() throws { publisher.close() }
}
