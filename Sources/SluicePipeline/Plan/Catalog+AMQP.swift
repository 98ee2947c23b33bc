import Foundation
import SluiceAMQP
public import SluiceConnectors
import SluiceCore
import SluiceFormats

/// `amqp://` and `amqps://` connectors: the broker address, the password from the
/// environment or a secrets file, and the source, sink and dead-letter parameters
/// (`ConnectorKind.amqp` documents them).
extension Catalog {
    /// How to reach the broker a URI names. The password comes from `password_file` or
    /// `AMQP_PASSWORD` (`AMQPConfiguration.password`), never from the URI.
    static func amqpConfiguration(_ uri: ConnectorURI) throws -> AMQPConfiguration {
        let user = uri.user ?? "guest"
        let password = try AMQPConfiguration.password(
            file: uri.parameter("password_file"), environment: ProcessInfo.processInfo.environment, user: user)
        var tls: AMQPConfiguration.TLS?
        if uri.scheme == "amqps" {
            tls = AMQPConfiguration.TLS(
                caCertificate: uri.parameter("cacert"), clientCertificate: uri.parameter("cert"), clientKey: uri.parameter("key"),
                verify: uri.parameter("verify") != "false")
        }
        let virtualHost = uri.path.isEmpty ? "/" : uri.path
        var configuration = AMQPConfiguration(
            host: uri.host ?? "localhost", port: uri.port, virtualHost: virtualHost, user: user, password: password, tls: tls)
        if let heartbeat = uri.parameter("heartbeat").flatMap({ DurationSyntax.parseMillis($0) }) {
            configuration.heartbeatSeconds = Int(heartbeat / 1000)
        }
        return configuration
    }

    /// The queues a source URI consumes: `queue=a,b` (one split each), or with
    /// `partitions=N` the N partition queues of `AMQPPartitionTopology`.
    static func amqpTopology(_ uri: ConnectorURI) throws -> AMQPPartitionTopology? {
        guard let partitions = uri.parameter("partitions").flatMap({ Int($0) }) else { return nil }
        guard let exchange = uri.parameter("exchange") else {
            throw SluiceError(.invalidArgument, "partitions= needs exchange= (the consistent-hash exchange to declare)")
        }
        return AMQPPartitionTopology(
            exchange: exchange, queuePrefix: uri.parameter("queue") ?? exchange, partitions: partitions,
            hashHeader: uri.parameter("hash_header"))
    }

    static func amqpSource(_ spec: SourceSpec, pipeline: String?, keepingRecords: Bool = false) throws -> AMQPSource {
        let uri = spec.uri
        let configuration = try amqpConfiguration(uri)
        let topology = try amqpTopology(uri)
        var queues = topology?.queues ?? (uri.parameter("queue") ?? "").split(separator: ",").map(String.init)
        queues = queues.filter { !$0.isEmpty }
        // A per-queue job (`PipelineSpec.partitionQueueSpecs`) consumes one queue of the topology.
        if let topology, let partition = uri.parameter("partition").flatMap({ Int($0) }) {
            guard topology.queues.indices.contains(partition) else {
                throw SluiceError(.invalidArgument, "partition \(partition) is not one of the \(topology.partitions) queues")
            }
            queues = [topology.queues[partition]]
        }
        guard !queues.isEmpty else { throw SluiceError(.invalidArgument, "an amqp source needs queue=") }
        if let topology {
            // Declared by every process that starts: declarations are idempotent.
            let connection = try AMQPConnection.connect(configuration)
            defer { connection.close() }
            try topology.declare(on: connection)
        }
        var options = AMQPSourceOptions(connection: configuration, queues: queues)
        if let prefetch = uri.parameter("prefetch").flatMap({ Int($0) }) { options.prefetch = prefetch }
        if let format = uri.parameter("format").flatMap({ AMQPSourceOptions.BodyFormat(rawValue: $0) }) { options.format = format }
        if uri.parameter("declare") == "false" { options.declareQueues = false }
        if let topology { options.queueArguments = topology.queueArguments }
        options.deadLetterExchange = uri.parameter("dead_letter_exchange")
        options.pipeline = pipeline
        if let idle = uri.parameter("end_when_idle").flatMap({ DurationSyntax.parseMillis($0) }) {
            options.endWhenIdle = .milliseconds(idle)
        }
        if let maximum = uri.parameter("reconnect_max").flatMap({ DurationSyntax.parseMillis($0) }) {
            options.reconnectMaximum = .milliseconds(maximum)
            options.reconnectInitial = min(options.reconnectInitial, .milliseconds(maximum))
        }
        // DAA events of an unknown type are bad input from a broker (daa-events.md).
        var decoding = DecoderOptions(allowedTypes: spec.schemaName == "daa" ? DAA.eventTypes : nil)
        decoding.keepsRecords = keepingRecords || spec.keepsRecords
        decoding.checkedFields = spec.checkedFields
        decoding.fingerprintedFields = spec.fingerprintedIds
        return try AMQPSource(
            name: spec.name, schema: spec.schema, required: requiredFields(of: spec), options: options, decoderOptions: decoding)
    }

    static func amqpSink(_ uri: ConnectorURI, name: String) throws -> AMQPPublishSink {
        guard let exchange = uri.parameter("exchange") ?? (uri.parameter("queue") != nil ? "" : nil) else {
            throw SluiceError(.invalidArgument, "an amqp sink needs exchange= (or queue= for the default exchange)")
        }
        let key = try AMQPRoutingKey(uri.parameter("routing_key") ?? uri.parameter("queue") ?? "")
        let sink = AMQPPublishSink(
            name: name, configuration: try amqpConfiguration(uri), exchange: exchange, routingKey: key,
            declareExchangeType: uri.parameter("exchange_type"))
        if let timeout = uri.parameter("commit_timeout").flatMap({ DurationSyntax.parseMillis($0) }) {
            sink.commitTimeout = .milliseconds(timeout)
        }
        return sink
    }

    static func amqpRejectionSink(_ uri: ConnectorURI, pipeline: String) throws -> AMQPRejectionSink {
        guard let exchange = uri.parameter("exchange") ?? (uri.parameter("queue") != nil ? "" : nil) else {
            throw SluiceError(.invalidArgument, "an amqp dead-letter output needs exchange= (or queue= for the default exchange)")
        }
        return AMQPRejectionSink(
            configuration: try amqpConfiguration(uri), exchange: exchange,
            routingKey: uri.parameter("routing_key") ?? uri.parameter("queue") ?? "", pipeline: pipeline,
            declareQueue: uri.parameter("queue"))
    }
}

/// Where `sluice generate --output amqp://…` publishes: a confirmed publisher and the
/// routing key of each event.
public struct AMQPEventOutput {
    public let publisher: AMQPConfirmedPublisher
    public let routingKey: AMQPRoutingKey

    /// Reads an output URI: `exchange=` (with `partitions=`, the consistent-hash topology
    /// is declared; `exchange_type=` declares a plain exchange) or `queue=` (declared, the
    /// default exchange). The routing key is `routing_key=`, else the queue, else
    /// `{agent_id}` (what a consistent-hash exchange hashes).
    public init(uri text: String) throws {
        let uri = try ConnectorURI.parse(text).mapError { SluiceError(.invalidArgument, "\(text): \($0.message)") }.get()
        guard uri.scheme == "amqp" || uri.scheme == "amqps" else {
            throw SluiceError(.invalidArgument, "not an amqp:// or amqps:// URI")
        }
        let configuration = try Catalog.amqpConfiguration(uri)
        let queue = uri.parameter("queue")
        let exchange = uri.parameter("exchange") ?? ""
        guard queue != nil || !exchange.isEmpty else {
            throw SluiceError(.invalidArgument, "\(uri.redacted): give exchange= or queue=")
        }
        if let topology = try Catalog.amqpTopology(uri) {
            let connection = try AMQPConnection.connect(configuration)
            defer { connection.close() }
            try topology.declare(on: connection)
        }
        publisher = AMQPConfirmedPublisher(configuration: configuration, exchange: exchange)
        publisher.declareExchangeType = uri.parameter("exchange_type")
        if uri.parameter("partitions") == nil { publisher.declareQueue = queue }
        routingKey = try AMQPRoutingKey(uri.parameter("routing_key") ?? (exchange.isEmpty ? queue : nil) ?? "{agent_id}")
    }
}
