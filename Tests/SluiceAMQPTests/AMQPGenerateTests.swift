import Foundation
import SluiceAMQP
import SluiceTestSupport
import Testing

/// `sluice generate --output amqp://…` loads a broker in one command: generated events
/// one per message or N per message, or the lines of a file; a pipeline reading the
/// queue sees exactly the events the file holds.
@Suite(.serialized) struct AMQPGenerateTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice").path
    }

    static func sluice(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_PASSWORD"] = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")
        let (status, output) = try Command.run([binary] + arguments, environment: environment)
        #expect(status == 0, "sluice \(arguments.joined(separator: " ")): \(output)")
        return output
    }

    static func drain(_ queue: String) throws -> [AMQPDelivery] {
        let connection = try AMQPTestBroker.connect()
        defer { connection.close() }
        try connection.setPrefetch(1000)
        try connection.consume(queue)
        var deliveries: [AMQPDelivery] = []
        while let delivery = try connection.nextDelivery(timeout: .seconds(2)) {
            deliveries.append(delivery)
            try connection.acknowledge(delivery.deliveryTag, multiple: false)
        }
        return deliveries
    }

    @Test(arguments: [1, 100])
    func generatedEventsArePublishedPerMessageAsAsked(perMessage: Int) throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        _ = try Self.sluice(["generate", "--count", "5000", "--seed", "9", "--output", file])
        let queue = AMQPTestBroker.uniqueName("generated")
        let output = try Self.sluice([
            "generate", "--count", "5000", "--seed", "9", "--per-message", "\(perMessage)", "--output", try AMQPTestBroker.uri("queue=\(queue)"),
        ])
        #expect(output.contains("published 5000 events in \(5000 / perMessage) messages"), "\(output)")
        let deliveries = try Self.drain(queue)
        #expect(deliveries.count == 5000 / perMessage)
        #expect(deliveries.allSatisfy { $0.contentType == (perMessage == 1 ? "application/json" : "application/x-ndjson") })
        let lines = deliveries.flatMap { $0.body.split(separator: 0x0A).map(Array.init) }
        let expected = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        #expect(lines == expected, "the queue holds other events than the file, or in another order")
    }

    @Test func aFileIsPublishedLineByLineWithRoutingKeysFromItsFields() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("events.ndjson")
        _ = try Self.sluice(["generate", "--count", "300", "--seed", "4", "--agents", "3", "--output", file])
        let exchange = AMQPTestBroker.uniqueName("by-agent")
        let queue = AMQPTestBroker.uniqueName("agent-0")
        do {
            let connection = try AMQPTestBroker.connect()
            defer { connection.close() }
            try connection.declareExchange(exchange, type: "direct")
            try connection.declareQueue(queue)
            try connection.bindQueue(queue, exchange: exchange, routingKey: "daa.agent-000000")
        }
        _ = try Self.sluice([
            "generate", "--from", file, "--output", try AMQPTestBroker.uri("exchange=\(exchange)&routing_key=daa.{agent_id}"),
        ])
        let expected = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").filter { $0.contains(#""agent_id":"agent-000000""#) }
        let deliveries = try Self.drain(queue)
        #expect(!expected.isEmpty)
        #expect(deliveries.map { String(decoding: $0.body, as: UTF8.self) } == expected.map(String.init))
        #expect(deliveries.allSatisfy { $0.routingKey == "daa.agent-000000" })
    }
}
