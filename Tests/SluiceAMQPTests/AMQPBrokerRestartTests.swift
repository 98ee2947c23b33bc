import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Synchronization
import Testing

/// The broker restarts mid-run (its own private broker): the source reports
/// "reconnecting", reconnects with backoff, the broker redelivers what was not
/// acknowledged, de-duplication recognises what was already applied, and the run ends
/// with the view a file run of the same events leaves: nothing lost, nothing twice.
@Suite(.serialized) struct AMQPBrokerRestartTests {
    @Test func aBrokerRestartMidRunLosesNothingAndCountsNothingTwice() throws {
        let broker = try PrivateBroker()
        let lines = try AMQPPipelineRuns.eventLines(count: 40_000, seed: 23)
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(lines, to: file)
        let (_, fileOutputs) = try AMQPPipelineRuns.runInMemory("agent-metrics", events: "file:\(file)")

        let queue = "restart-events"
        do {
            let connection = try AMQPConnection.connect(broker.configuration)
            defer { connection.close() }
            try connection.declareQueue(queue)
            try connection.confirmSelect()
            for (i, line) in lines.enumerated() {
                try connection.publish(exchange: "", routingKey: queue, body: line)
                if i % 1000 == 999 { try connection.pollConfirms() }
            }
            #expect(try connection.waitForConfirms(timeout: .seconds(60)).isEmpty)
        }

        // Deliveries must still be unacknowledged when the broker stops, or there is
        // nothing to redeliver: timing cannot promise that (acknowledgements follow
        // within milliseconds of a quarter of the window filling, and the restart's
        // `rabbitmqctl` takes seconds), so checkpoints wait at a closed gate until the
        // broker is down. Nothing is acknowledged before: the window (1,000) fills,
        // reading stops, and all of it is outstanding when the broker stops. (The gate
        // opens then: with commits stalled the source would not read, and so not notice
        // the lost connection.)
        let memory = MemoryConnectors()
        let uri = broker.uri("queue=\(queue)&prefetch=1000&end_when_idle=3s&reconnect_max=1s")
        let spec = try AMQPPipelineRuns.load("agent-metrics", environment: AMQPPipelineRuns.memoryEnvironment(events: uri))
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
        let source = try #require(planned.dataflow.sources.first as? AMQPSource)
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        options.epochIntervalMillis = 200
        let gate = GatedCheckpointStore()
        options.checkpointStore = gate
        let job = try Job(planned.dataflow, options: options)

        let observed = Observations()
        let restarter = Thread {
            defer { gate.isOpen.store(true, ordering: .relaxed) }
            while job.eventsRead < 1_000 { Thread.sleep(forTimeInterval: 0.01) }
            observed.readAtRestart.store(job.status.eventsRead, ordering: .relaxed)
            do {
                try broker.run("rabbit", "rabbitmqctl", "stop_app")
                gate.isOpen.store(true, ordering: .relaxed)
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline && !source.status.isReconnecting { Thread.sleep(forTimeInterval: 0.01) }
                if source.status.isReconnecting { observed.sawReconnecting.store(true, ordering: .relaxed) }
                Thread.sleep(forTimeInterval: 2)
                try broker.run("rabbit", "rabbitmqctl", "start_app")
            } catch {
                observed.restartError.withLock { $0 = "\(error)" }
            }
        }
        restarter.start()
        let summary = try job.run()

        let restartError = observed.restartError.withLock { $0 }
        let readAtRestart = observed.readAtRestart.load(ordering: .relaxed)
        let sawReconnecting = observed.sawReconnecting.load(ordering: .relaxed)
        #expect(restartError == nil)
        #expect(readAtRestart < Int64(lines.count), "the whole queue was read before the restart")
        #expect(sawReconnecting, "the source never said it was reconnecting")
        #expect(summary.outcome == .completed)
        let status = try #require(source.status.snapshot.first)
        #expect(status.connections >= 2, "\(status)")
        #expect(status.redeliveries > 0, "nothing was redelivered: the restart did not interrupt unacknowledged work")
        let expected = AMQPPipelineRuns.contents(fileOutputs).filter { $0.key.hasPrefix("views.") }
        let actual = AMQPPipelineRuns.contents(memory).filter { $0.key.hasPrefix("views.") }
        #expect(!expected.isEmpty)
        for (output, rows) in expected {
            #expect(actual[output] == rows, "\(output): \((actual[output] ?? RowMultiset([])).difference(from: rows))")
        }
        let connection = try AMQPConnection.connect(broker.configuration)
        defer { connection.close() }
        #expect(try connection.queueCounts(queue).messages == 0)
    }
}

/// Checkpoints (and so acknowledgements) wait while the gate is closed.
final class GatedCheckpointStore: CheckpointStore {
    let isOpen = Atomic(false)
    func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        while !isOpen.load(ordering: .relaxed) { usleep(1_000) }
    }
    func latest(pipeline: String) throws -> Checkpoint? { nil }
}

/// What the restarting thread saw.
final class Observations: Sendable {
    let sawReconnecting = Atomic(false)
    let restartError = Mutex<String?>(nil)
    let readAtRestart = Atomic<Int64>(0)
}
