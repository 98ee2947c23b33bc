import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM under load with the real broker and database, on the release binary: a run
/// consuming a loaded RabbitMQ queue into PostgreSQL views is stopped mid-stream; it must
/// exit 0 within its shutdown deadline, and every event of every message it acknowledged
/// must be in the views — no more, no less: the messages left in the queue are exactly
/// those whose events are not counted.
@Suite(.serialized) struct CLIOpsSigtermLoadTests {
    static let messages = 2_000
    static let perMessage = 500

    /// `rabbitmqctl list_queues` through the test stack's script: (ready, unacknowledged).
    @Test func sigtermUnderLoadExitsZeroAndEveryAcknowledgedEventIsInTheViews() throws {
        let binary = try ReleaseBinary.path()
        let password = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")
        let broker = try TestServers.amqpAuthority()
        let suffix = String(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF, radix: 16)
        let queue = "sigterm-\(suffix)"
        let schema = "sluice_sigterm_\(suffix)"
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let environment = ["AMQP_PASSWORD": password]

        try TemporaryDirectory.with { dir in
            // The load: W1 samples (no duplicate ids, so every applied event counts once),
            // many per message.
            var generate = SluiceProcess(
                arguments: [
                    "generate", "--w1", "--agents", "1000", "--count", "\(Self.messages * Self.perMessage)", "--per-message",
                    "\(Self.perMessage)", "--output", "amqp://\(broker)/?queue=\(queue)",
                ], directory: dir.path, binary: binary)
            generate.environment = environment
            let generated = try generate.run()
            #expect(generated.status == 0, "\(generated.stderr)")
            #expect(try TestServers.brokerQueueCounts(queue)?.ready == Self.messages)

            try """
            pipeline: sigterm-counts
            source: { uri: "amqp://\(broker)/?queue=\(queue)&prefetch=200", format: ndjson, schema: w1 }
            event_time: { field: ts, max_out_of_orderness: 2s }
            steps:
              - key_by: [agent_id]
              - fold: { n: count() }
            sink: { uri: "\(try TestServers.postgresURL())?schema=\(schema)", view: counts, key: [agent_id], flush_every: 500ms }
            dead_letter: { uri: "file:.sluice/dead-letter.ndjson" }
            """.write(toFile: dir.path("counts.yaml"), atomically: true, encoding: .utf8)
            var process = SluiceProcess(
                arguments: ["run", "counts.yaml", "--workers", "2", "--commit-every", "200ms", "--shutdown-timeout", "20s"],
                directory: dir.path, binary: binary)
            process.environment = environment
            let run = try OpsDaemon(process)
            defer {
                run.signal(SIGKILL)
                _ = run.waitForExit(seconds: 10)
            }
            // Under load: counts are committed and the queue still holds most messages.
            let counted = { () -> Int64 in
                let rows = try? admin.execute("SELECT coalesce(sum(n), 0) FROM \(schema).counts")
                return (rows?.rows.first?.first ?? nil).flatMap { Int64($0) } ?? 0
            }
            let loadedBy = Date().addingTimeInterval(60)
            while counted() == 0 && Date() < loadedBy && run.process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
            #expect(counted() > 0, "\(run.stderr)")
            let sent = Date()
            run.signal(SIGTERM)
            let status = run.waitForExit(seconds: 30)
            let stopSeconds = Date().timeIntervalSince(sent)
            #expect(status == 0, "\(run.stderr)")
            #expect(stopSeconds < 20, "the stop took \(stopSeconds) s, past the deadline")

            let left = try #require(try TestServers.brokerQueueCounts(queue))
            #expect(left.unacked == 0, "the closed connection returned its deliveries")
            let acknowledged = Self.messages - left.ready
            #expect(left.ready > 0, "the run read everything before SIGTERM: not a stop under load")
            #expect(acknowledged > 0)
            // Exactly the acknowledged messages' events are in the view.
            #expect(counted() == Int64(acknowledged * Self.perMessage), "acknowledged \(acknowledged) messages; \(run.stderr)")
        }
    }
}
