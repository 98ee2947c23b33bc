import SluiceConnectors

/// One partition queue of a pipeline that reads a partitioned RabbitMQ topology, as a
/// pipeline of its own: the state follows the queue.
///
/// The broker's queue is the unit of ownership (single-active-consumer moves it between
/// processes), so `sluice run` runs one job per queue, each with its own checkpoint
/// (`PIPELINE#QUEUE`) and keyed state; the queues hold whole agents, so the jobs' view
/// rows never overlap and they share the pipeline's views.
public struct PartitionQueueSpec: Sendable {
    /// The queue this job consumes (`prefix.N`).
    public var queue: String
    /// The pipeline named `PIPELINE#QUEUE` whose source reads only `queue`.
    public var spec: PipelineSpec
}

extension PipelineSpec {
    /// The per-queue pipelines when this pipeline's only source reads a partitioned topology
    /// (`amqp://…?exchange=…&partitions=N`); nil for any other pipeline (which runs as one
    /// job, every queue a split of it).
    public func partitionQueueSpecs() throws -> [PartitionQueueSpec]? {
        guard sources.count == 1, ["amqp", "amqps"].contains(sources[0].uri.scheme),
            let topology = try Catalog.amqpTopology(sources[0].uri)
        else { return nil }
        return topology.queues.enumerated().map { index, queue in
            var spec = self
            spec.name = "\(name)#\(queue)"
            // Read by `Catalog.amqpSource`: consume this one queue of the topology.
            spec.sources[0].uri.parameters.append(
                ConnectorURI.Parameter(name: "partition", value: "\(index)", nameRange: 0..<0, valueRange: 0..<0))
            return PartitionQueueSpec(queue: queue, spec: spec)
        }
    }
}
