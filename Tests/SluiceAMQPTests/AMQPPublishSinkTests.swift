import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Synchronization
import Testing

/// The publishing sink: alerts reach their queue with routing keys from the template,
/// one persistent message per row, confirmed before the epoch commits.
@Suite(.serialized) struct AMQPPublishSinkTests {
    @Test func alertsArriveOnTheirQueueWithTheExpectedRoutingKeys() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(try AMQPPipelineRuns.eventLines(count: 60_000, seed: 31, agents: 30), to: file)
        let (_, reference) = try AMQPPipelineRuns.runInMemory("performance-alerts", events: "file:\(file)")
        let expected = try #require(reference.all["performance_alerts"]).rows
        #expect(expected.count >= 5, "too few alerts to test with")

        let exchange = AMQPTestBroker.uniqueName("alerts")
        let queue = AMQPTestBroker.uniqueName("alerts-low")
        let memory = MemoryConnectors()
        var environment = AMQPPipelineRuns.memoryEnvironment(events: "file:\(file)")
        environment["DAA_PERFORMANCE_ALERTS"] = try AMQPTestBroker.uri(
            "exchange=\(exchange)&exchange_type=topic&routing_key=alerts.{alert}.{agent_id}")
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(
            try AMQPPipelineRuns.load("performance-alerts", environment: environment))
        // The queue must exist before the first publish, or the broker drops the messages.
        do {
            let connection = try AMQPTestBroker.connect()
            defer { connection.close() }
            try connection.declareExchange(exchange, type: "topic")
            try connection.declareQueue(queue)
            try connection.bindQueue(queue, exchange: exchange, routingKey: "alerts.low_performance.*")
        }
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        let summary = try Job(planned.dataflow, options: options).run()
        #expect(summary.outcome == .completed)

        let connection = try AMQPTestBroker.connect()
        defer { connection.close() }
        try connection.consume(queue)
        var received: [(key: String, row: [String: Any])] = []
        while received.count < expected.count + 1, let delivery = try connection.nextDelivery(timeout: .seconds(2)) {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
            received.append((delivery.routingKey, row))
            #expect(delivery.contentType == "application/json")
            try connection.acknowledge(delivery.deliveryTag, multiple: false)
        }
        #expect(received.count == expected.count)
        for message in received {
            #expect(message.key == "alerts.low_performance.\(message.row["agent_id"] as? String ?? "?")")
        }
        let sentKeys = received.map { "\($0.row["agent_id"] ?? "")|\($0.row["window_start"] ?? "")" }.sorted()
        let expectedKeys = expected.map { row -> String in
            let start: String
            switch row["window_start"] {
            case .timestamp(let t), .int(let t): start = String(t)
            default: start = "?"
            }
            return "\(row["agent_id"]?.asString ?? "")|\(start)"
        }.sorted()
        #expect(sentKeys == expectedKeys)
    }

    /// With the broker stopped the sink keeps trying and the epoch does not commit (no
    /// checkpoint, no view rows); once the broker is back the same epoch commits.
    @Test func withTheBrokerStoppedTheEpochDoesNotCommitUntilItsMessagesAreConfirmed() throws {
        let broker = try PrivateBroker()
        let exchange = "alerts"
        let queue = "alerts-all"
        do {
            let connection = try AMQPConnection.connect(broker.configuration)
            defer { connection.close() }
            try connection.declareExchange(exchange, type: "fanout")
            try connection.declareQueue(queue)
            try connection.bindQueue(queue, exchange: exchange, routingKey: "")
        }
        try broker.run("rabbit", "rabbitmqctl", "stop_app")

        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(try AMQPPipelineRuns.eventLines(count: 60_000, seed: 31, agents: 30), to: file)
        var environment = AMQPPipelineRuns.memoryEnvironment(events: "file:\(file)")
        environment["DAA_PERFORMANCE_ALERTS"] = broker.uri("exchange=\(exchange)&routing_key={agent_id}&commit_timeout=10m")
        let planned = try PipelinePlanner(catalog: Catalog()).plan(
            try AMQPPipelineRuns.load("performance-alerts", environment: environment))
        let sink = try #require(planned.dataflow.sinks.lazy.compactMap { $0 as? AMQPPublishSink }.first)
        let store = MemoryCheckpointStore()
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        options.checkpointStore = store
        let job = try Job(planned.dataflow, options: options)
        let result = Mutex<Result<RunSummary, any Error>?>(nil)
        let runner = Thread {
            let outcome = Result { try job.run() }
            result.withLock { $0 = outcome }
        }
        runner.start()

        // The input is read (a file: seconds); the sink's commit keeps failing meanwhile.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && sink.publisher.failedAttempts < 2 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(sink.publisher.failedAttempts >= 2, "the sink did not retry")
        // Epochs without alerts may have committed; the one holding alerts may not, so
        // nothing commits after it while the broker is away.
        let committedWhileDown = store.saved.count
        Thread.sleep(forTimeInterval: 1.5)
        #expect(store.saved.count == committedWhileDown, "an epoch committed with its alerts unconfirmed")
        #expect(sink.publisher.confirmed == 0)
        #expect(result.withLock { $0 } == nil, "the job ended while its alerts were unconfirmed")

        try broker.run("rabbit", "rabbitmqctl", "start_app")
        while result.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.05) }
        let summary = try #require(try result.withLock { $0 }?.get())
        #expect(summary.outcome == .completed)
        #expect(store.saved.count > committedWhileDown)
        #expect(sink.publisher.confirmed > 0)
        let connection = try AMQPConnection.connect(broker.configuration)
        defer { connection.close() }
        #expect(try connection.queueCounts(queue).messages == sink.publisher.confirmed)
    }
}

/// Checkpoints kept in memory: what was saved, in order.
final class MemoryCheckpointStore: CheckpointStore, Sendable {
    private let checkpoints = Mutex<[Checkpoint]>([])
    var saved: [Checkpoint] { checkpoints.withLock { $0 } }
    func save(_ checkpoint: Checkpoint, pipeline: String) throws { checkpoints.withLock { $0.append(checkpoint) } }
    func latest(pipeline: String) throws -> Checkpoint? { checkpoints.withLock { $0.last } }
}
