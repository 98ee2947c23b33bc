public import SluiceAMQP

/// Partitioned consumption without a coordinator of our own: a consistent-hash exchange
/// routes each message by its routing key (the publisher sets it to `agent_id`), or by
/// the header `hashHeader`, to one of `partitions` queues, each with
/// `x-single-active-consumer`. Every process running the pipeline consumes all queues;
/// the broker lets one consumer per queue receive, and hands the queue to another when
/// that consumer's connection dies. Each queue holds whole agents, so keyed results stay
/// exact when the queue's state moves with it.
///
/// Declarations are idempotent: every process declares the same topology on start.
public struct AMQPPartitionTopology: Sendable, Equatable {
    public var exchange: String
    public var queuePrefix: String
    public var partitions: Int
    public var hashHeader: String?

    public init(exchange: String, queuePrefix: String, partitions: Int, hashHeader: String? = nil) {
        self.exchange = exchange
        self.queuePrefix = queuePrefix
        self.partitions = partitions
        self.hashHeader = hashHeader
    }

    /// `prefix.0` … `prefix.(N-1)`.
    public var queues: [String] { (0..<partitions).map { "\(queuePrefix).\($0)" } }

    /// What each partition queue is declared with.
    public var queueArguments: [(String, AMQPFieldValue)] { [("x-single-active-consumer", .bool(true))] }

    /// Declares the exchange, the queues and their bindings (equal weights).
    public func declare(on connection: AMQPConnection) throws {
        try connection.declareExchange(
            exchange, type: "x-consistent-hash", arguments: hashHeader.map { [("hash-header", .string($0))] } ?? [])
        for queue in queues {
            try connection.declareQueue(queue, arguments: queueArguments)
            try connection.bindQueue(queue, exchange: exchange, routingKey: "1")
        }
    }
}
