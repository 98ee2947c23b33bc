import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// The partitioned topology: `sluice generate` and the source declare one consistent-hash
/// exchange and four single-active-consumer queues; each queue holds whole agents, each
/// is a split, and agent-metrics over them leaves the view a file run leaves.
@Suite(.serialized) struct AMQPPartitionTests {
    @Test func fourPartitionQueuesHoldWholeAgentsAndGiveTheFileRunsView() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(try AMQPPipelineRuns.eventLines(count: 20_000, seed: 41, agents: 40), to: file)
        let (_, fileOutputs) = try AMQPPipelineRuns.runInMemory("agent-metrics", events: "file:\(file)")

        let name = AMQPTestBroker.uniqueName("daa")
        let topology = "exchange=\(name)&partitions=4&queue=\(name)"
        _ = try AMQPGenerateTests.sluice(["generate", "--from", file, "--output", try AMQPTestBroker.uri(topology)])

        // Each queue's agents, read without acknowledging (they return when the connection closes).
        var agentsByQueue: [String: Set<String>] = [:]
        for partition in 0..<4 {
            let queue = "\(name).\(partition)"
            let connection = try AMQPTestBroker.connect()
            defer { connection.close() }
            try connection.setPrefetch(20_000)
            try connection.consume(queue)
            var agents = Set<String>()
            while let delivery = try connection.nextDelivery(timeout: .seconds(1)) {
                let object = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any]
                agents.insert(object?["agent_id"] as? String ?? "?")
            }
            agentsByQueue[queue] = agents
        }
        #expect(agentsByQueue.values.allSatisfy { !$0.isEmpty }, "a partition queue got nothing: \(agentsByQueue.mapValues(\.count))")
        let all = agentsByQueue.values.flatMap { $0 }
        #expect(all.count == Set(all).count, "an agent's events are split over several queues")
        let arguments = try AMQPTestBroker.rabbitmqctl(["list_queues", "-q", "--no-table-headers", "name", "arguments"])
        let declared = arguments.split(separator: "\n").filter { $0.hasPrefix(name + ".") }
        #expect(declared.count == 4 && declared.allSatisfy { $0.contains("x-single-active-consumer") }, "\(declared)")

        let uri = try AMQPTestBroker.uri(topology + "&end_when_idle=1s")
        let (summary, outputs) = try AMQPPipelineRuns.runInMemory("agent-metrics", events: uri)
        #expect(summary.outcome == .completed)
        let expected = AMQPPipelineRuns.contents(fileOutputs).filter { $0.key.hasPrefix("views.") }
        let actual = AMQPPipelineRuns.contents(outputs).filter { $0.key.hasPrefix("views.") }
        #expect(!expected.isEmpty)
        for (output, rows) in expected {
            #expect(actual[output] == rows, "\(output): \((actual[output] ?? RowMultiset([])).difference(from: rows))")
        }
        for partition in 0..<4 {
            try waitFor("partition \(partition) acknowledged") { try AMQPTestBroker.counts("\(name).\(partition)") == (0, 0) }
        }
    }
}
