import Foundation
public import SluiceAMQP
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Synchronization

/// The shipped agent-metrics pipeline (de-duplication, filter, key_by, 10 s tumbling window,
/// six aggregates) reading RabbitMQ queues, its outputs in memory: the time from the start
/// until every event is read and every job has stopped (drained, last epoch committed).
///
/// Several queues run as `sluice run` runs a partitioned topology: one job per queue (its
/// own reader thread and `workers` partitions), all at once in one process.
public enum AMQPPipelineBench {
    public static func agentMetrics(
        _ configuration: AMQPConfiguration, queues: [String], events: Int, prefetch: Int, workers: Int, pipelinesDirectory: String
    ) throws -> Duration {
        setenv("AMQP_PASSWORD", configuration.password, 1)
        let jobs = try queues.map { queue in
            var environment = ProcessInfo.processInfo.environment
            environment["AMQP_PASSWORD"] = configuration.password
            environment["DAA_EVENTS"] =
                "amqp://\(configuration.user)@\(configuration.host):\(configuration.port)/?queue=\(queue)&declare=false&prefetch=\(prefetch)"
            for (variable, name) in [("DAA_VIEWS", "views"), ("DAA_LATE", "late"), ("DAA_DEAD_LETTER", "dead")] {
                environment[variable] = "memory:\(name)-\(queue)"
            }
            let spec = try PipelineLoader(environment: environment).load(contentsOf: pipelinesDirectory + "/agent-metrics.yaml").get()
            let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(spec)
            var options = RunOptions(workers: workers, partitions: workers)
            options.deadLetter = planned.deadLetter
            return try Job(planned.dataflow, options: options)
        }
        let perQueue = Int64(events / queues.count)
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        let start = ContinuousClock.now
        for job in jobs {
            Thread {
                while job.eventsRead < perQueue { usleep(1_000) }  // one atomic load, not `status`
                job.stop()
            }.start()
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let summary = try job.run()
                    if summary.eventsIn < perQueue { failures.withLock { $0.append("read \(summary.eventsIn) of \(perQueue) events") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        done.wait()
        let elapsed = ContinuousClock.now - start
        let failed = failures.withLock { $0 }
        precondition(failed.isEmpty, "agent-metrics over \(queues): \(failed)")
        return elapsed
    }
}
