import Foundation
import SluiceAMQP
import SluiceTestSupport

/// The test stack's RabbitMQ (`ops/test-stack.sh`), and unique names so tests do not
/// share queues.
enum AMQPTestBroker {
    static func configuration() throws -> AMQPConfiguration {
        AMQPConfiguration(
            host: try TestServers.setting("SLUICE_TEST_AMQP_HOST"), port: Int(try TestServers.setting("SLUICE_TEST_AMQP_PORT")),
            user: try TestServers.setting("SLUICE_TEST_AMQP_USER"), password: try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD"))
    }

    /// `amqp://user@host:port/` (no password: pipelines read it from AMQP_PASSWORD, which
    /// the tests set to the stack's).
    static func uri(_ query: String) throws -> String {
        setenv("AMQP_PASSWORD", try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD"), 1)
        return "amqp://\(try TestServers.setting("SLUICE_TEST_AMQP_USER"))@\(try TestServers.setting("SLUICE_TEST_AMQP_HOST")):"
            + "\(try TestServers.setting("SLUICE_TEST_AMQP_PORT"))/?\(query)"
    }

    static func connect() throws -> AMQPConnection { try AMQPConnection.connect(try configuration()) }

    /// A queue name no other test uses.
    static func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A fresh durable queue.
    static func freshQueue(_ prefix: String) throws -> String {
        let name = uniqueName(prefix)
        let connection = try connect()
        defer { connection.close() }
        try connection.declareQueue(name)
        return name
    }

    /// Publishes `bodies` to `queue` (default exchange) with confirms.
    static func publish(_ bodies: [[UInt8]], to queue: String, contentType: String? = "application/json") throws {
        let connection = try connect()
        defer { connection.close() }
        try connection.confirmSelect()
        for (i, body) in bodies.enumerated() {
            try connection.publish(exchange: "", routingKey: queue, body: body, contentType: contentType)
            if i % 1000 == 999 { try connection.pollConfirms() }
        }
        let nacked = try connection.waitForConfirms(timeout: .seconds(60))
        precondition(nacked.isEmpty, "the broker nacked test messages")
    }

    /// Ready and unacknowledged counts from `rabbitmqctl list_queues` (the broker's own view).
    static func counts(_ queue: String) throws -> (ready: Int, unacked: Int) {
        var output = ""
        // The CLI sometimes answers nothing on a loaded machine: ask again.
        for _ in 0..<5 {
            output = try rabbitmqctl(["list_queues", "-q", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged"])
            for line in output.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                if parts.count == 3, parts[0] == queue { return (Int(parts[1]) ?? -1, Int(parts[2]) ?? -1) }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw BrokerTestError(message: "queue \(queue) not in rabbitmqctl list_queues: \(output)")
    }

    /// Runs a RabbitMQ CLI tool through `ops/test-stack.sh rabbit` with the stack's settings.
    static func rabbitmqctl(_ arguments: [String], stackDirectory: String? = nil, port: String? = nil) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["SLUICE_STACK_DIR"] = stackDirectory ?? environment["SLUICE_STACK_DIR"] ?? "/tmp/sluice-test-stack"
        environment["SLUICE_TEST_AMQP_PORT"] = try port ?? TestServers.setting("SLUICE_TEST_AMQP_PORT")
        return try Command.run(
            ["/bin/bash", repositoryRoot + "/ops/test-stack.sh", "rabbit", "rabbitmqctl"] + arguments, environment: environment
        ).output
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

struct BrokerTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
