public import SluiceCore
public import SluiceFormats

/// An unbounded source consuming RabbitMQ queues, one split per queue.
///
/// Delivery: a message is acknowledged (with `multiple`) only once the runtime says the
/// epoch holding its position is durable (every sink committed, the checkpoint saved).
/// A crash or a lost connection before that leaves it unacknowledged, so the broker
/// delivers it again: at-least-once. Pipelines recognise the repeat by the event `id`
/// (de-duplication, whose state is in the checkpoint), so nothing counts twice.
/// Positions are per-split counters (see `AMQPSplitReader`): a restored split goes on
/// counting after its checkpoint's position and never seeks (the broker redelivers).
///
/// Bodies: one JSON event per message, or NDJSON (many events per message) when the
/// content type is `application/x-ndjson` or `format=ndjson`. Every event of a message
/// carries the message's position; a bad event is rejected alone with its line.
/// Rejections go to the pipeline's dead letters and, when `deadLetterExchange` is set, to
/// that exchange with headers, before the message is acknowledged with its epoch.
public struct AMQPSource: Source {
    public let name: String
    public let schema: Schema
    public let options: AMQPSourceOptions
    /// Connection state and counters of each split, readable from any thread.
    public let status: AMQPSourceStatus
    private let decoder: JSONBatchDecoder
    private let handoff = AMQPLeaseHandoff()
    /// Messages ready on the queues, for `consumerLag`.
    let lagProbe: AMQPLagProbe

    public var splitCount: Int { options.queues.count }
    public var isBounded: Bool { options.endWhenIdle != nil }

    public init(name: String, schema: Schema, required: Set<String>, options: AMQPSourceOptions, decoderOptions: DecoderOptions = .init())
        throws
    {
        guard !options.queues.isEmpty else { throw SluiceErrorFactory.invalid("source '\(name)': no queue to consume") }
        guard (1...65535).contains(options.prefetch) else {
            throw SluiceErrorFactory.invalid("source '\(name)': prefetch must be in 1...65535")
        }
        self.name = name
        self.schema = schema
        self.options = options
        status = AMQPSourceStatus(queues: options.queues)
        lagProbe = AMQPLagProbe(connection: options.connection, queues: options.queues)
        decoder = JSONBatchDecoder(schema: schema, required: required, options: decoderOptions)
    }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        guard options.queues.indices.contains(index) else {
            throw SluiceErrorFactory.invalid("source '\(name)' has no split \(index) (it has \(splitCount))")
        }
        return AMQPSplitReader(
            source: name, split: index, options: options, status: status, decoder: decoder, after: position?.offset ?? 0,
            handoff: handoff)
    }

    /// Lets the split reading `lease.queue` start on the lease's active connection (and
    /// its first deliveries) instead of subscribing afresh, which could lose the queue to
    /// a consumer waiting in another process. Call it before the job opens the split.
    public func adopt(_ lease: AMQPQueueLease) { handoff.put(lease) }
}
