import Foundation
public import SluiceAMQP
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Synchronization

/// The shipped agent-metrics pipeline (de-duplication, filter, key_by, 10 s tumbling window,
/// six aggregates) reading a RabbitMQ queue, its outputs in memory: the time from the start
/// until every event is read and the job has stopped (drained, last epoch committed).
public enum AMQPPipelineBench {
    public static func agentMetrics(
        _ configuration: AMQPConfiguration, queue: String, events: Int, prefetch: Int, workers: Int, pipelinesDirectory: String
    ) throws -> Duration {
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_PASSWORD"] = configuration.password
        environment["DAA_EVENTS"] =
            "amqp://\(configuration.user)@\(configuration.host):\(configuration.port)/?queue=\(queue)&declare=false&prefetch=\(prefetch)"
        for (variable, name) in [("DAA_VIEWS", "views"), ("DAA_LATE", "late"), ("DAA_DEAD_LETTER", "dead")] {
            environment[variable] = "memory:\(name)"
        }
        setenv("AMQP_PASSWORD", configuration.password, 1)
        let spec = try PipelineLoader(environment: environment).load(contentsOf: pipelinesDirectory + "/agent-metrics.yaml").get()
        let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(spec)
        var options = RunOptions(workers: workers, partitions: workers)
        options.deadLetter = planned.deadLetter
        let job = try Job(planned.dataflow, options: options)
        let start = ContinuousClock.now
        let watcher = Thread {
            while job.status.eventsRead < Int64(events) { usleep(200) }
            job.stop()
        }
        watcher.start()
        let summary = try job.run()
        let elapsed = ContinuousClock.now - start
        precondition(summary.eventsIn >= Int64(events), "read \(summary.eventsIn) of \(events) events")
        return elapsed
    }
}
