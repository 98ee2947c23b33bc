import Foundation

/// The test stack's RabbitMQ as the release-binary tests address it.
extension TestServers {
    /// `user@host:port` of the stack's broker, for `amqp://` URIs (the password goes in
    /// `AMQP_PASSWORD`, never in a URI).
    public static func amqpAuthority() throws -> String {
        "\(try setting("SLUICE_TEST_AMQP_USER"))@\(try setting("SLUICE_TEST_AMQP_HOST")):\(try setting("SLUICE_TEST_AMQP_PORT"))"
    }

    /// `rabbitmqctl list_queues` through the test stack's script: the queue's ready and
    /// unacknowledged messages, or nil when it is not listed after a few tries (the CLI
    /// sometimes answers nothing on a loaded machine).
    public static func brokerQueueCounts(_ queue: String) throws -> (ready: Int, unacked: Int)? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["SLUICE_STACK_DIR"] = environment["SLUICE_STACK_DIR"] ?? "/tmp/sluice-test-stack"
        environment["SLUICE_TEST_AMQP_PORT"] = try setting("SLUICE_TEST_AMQP_PORT")
        for attempt in 0..<10 {
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.5) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [
                root + "/ops/test-stack.sh", "rabbit", "rabbitmqctl", "list_queues", "-q", "--no-table-headers", "name",
                "messages_ready", "messages_unacknowledged",
            ]
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for line in text.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                if parts.count == 3, parts[0] == queue, let ready = Int(parts[1]), let unacked = Int(parts[2]) {
                    return (ready, unacked)
                }
            }
        }
        return nil
    }
}
