import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// 100,000 generated DAA events through RabbitMQ (one per message) leave every output of
/// every shipped pipeline exactly as the same events read from a file do.
@Suite(.serialized) struct AMQPShippedPipelinesTests {
    static let pipelines = ProcessInfo.processInfo.environment["SLUICE_AMQP_PIPELINES"].map { $0.split(separator: ",").map(String.init) } ?? [
        "agent-metrics", "agent-state", "event-archive", "knowledge-usage", "learning-progress", "pattern-effectiveness",
        "performance-alerts", "workflow-runs",
    ]

    /// The events, their file, and one queue per pipeline filled through a fanout
    /// exchange (published once, copied by the broker).
    struct Fixture: Sendable {
        /// Removed at exit: a static is never released.
        var directory: TemporaryDirectory
        var file: String
        var count: Int
        var queues: [String: String]
    }

    static let fixture: Result<Fixture, any Error> = Result {
        let directory = try TemporaryDirectory(prefix: "sluice-amqp-shipped-")
        directory.removeAtExit()
        let lines = try AMQPPipelineRuns.eventLines(count: 100_000)
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(lines, to: file)
        let exchange = AMQPTestBroker.uniqueName("shipped")
        let connection = try AMQPTestBroker.connect()
        defer { connection.close() }
        try connection.declareExchange(exchange, type: "fanout", durable: false)
        var queues: [String: String] = [:]
        for name in pipelines {
            let queue = "\(exchange).\(name)"
            try connection.declareQueue(queue)
            try connection.bindQueue(queue, exchange: exchange, routingKey: "")
            queues[name] = queue
        }
        try connection.confirmSelect()
        for (i, line) in lines.enumerated() {
            try connection.publish(exchange: exchange, routingKey: "", body: line)
            if i % 1000 == 999 { try connection.pollConfirms() }
        }
        #expect(try connection.waitForConfirms(timeout: .seconds(120)).isEmpty)
        return Fixture(directory: directory, file: file, count: lines.count, queues: queues)
    }

    @Test(arguments: pipelines)
    func aHundredThousandEventsThroughRabbitMQLeaveTheFileRunsOutputs(_ name: String) throws {
        let fixture = try Self.fixture.get()
        let (fileSummary, fileOutputs) = try AMQPPipelineRuns.runInMemory(name, events: "file:\(fixture.file)")
        let queue = try #require(fixture.queues[name])
        let uri = try AMQPTestBroker.uri("queue=\(queue)&end_when_idle=1s&prefetch=20000")
        let (amqpSummary, amqpOutputs) = try AMQPPipelineRuns.runInMemory(name, events: uri)
        #expect(fileSummary.outcome == .completed && amqpSummary.outcome == .completed)
        #expect(amqpSummary.eventsIn == Int64(fixture.count), "every message read once")
        #expect(amqpSummary.duplicates == fileSummary.duplicates)
        let expected = AMQPPipelineRuns.contents(fileOutputs)
        let actual = AMQPPipelineRuns.contents(amqpOutputs)
        #expect(expected.keys.sorted() == actual.keys.sorted())
        #expect(expected.values.contains { $0.count > 0 }, "the file run wrote nothing")
        for (output, rows) in expected {
            #expect(
                actual[output] == rows,
                "output \(output) differs: \((actual[output] ?? RowMultiset([])).difference(from: rows))")
        }
        try waitFor("the queue to be acknowledged") { try AMQPTestBroker.counts(queue) == (0, 0) }
    }
}
