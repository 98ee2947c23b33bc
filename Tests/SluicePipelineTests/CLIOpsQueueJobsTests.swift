import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Pipelines over partitioned RabbitMQ queues as the endpoints show them, on the release
/// binary with the real broker and database: each queue's job (`PIPELINE#QUEUE`) is listed
/// by `/pipelines` with its queue and whether this process has the queue (active: with its
/// epochs and lag, and among the pipelines, `/metrics` and `/readyz`) or waits for it
/// behind another process (single-active-consumer: the broker gives each queue to one).
@Suite(.serialized) struct CLIOpsQueueJobsTests {
    static let partitions = 2

    @Test(.timeLimit(.minutes(5)))
    func eachQueueJobIsListedActiveInTheOwnerAndWaitingInTheStandby() throws {
        let binary = try ReleaseBinary.path()
        let password = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")
        let broker = try TestServers.amqpAuthority()
        let suffix = String(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF, radix: 16)
        let name = "opsq-\(suffix)"
        let topology = "exchange=\(name)&partitions=\(Self.partitions)&queue=\(name)"
        let schema = "sluice_opsq_\(suffix)"
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let queues = (0..<Self.partitions).map { "\(name).\($0)" }
        let jobs = queues.map { "queue-counts#\($0)" }

        try TemporaryDirectory.with { dir in
            var generate = SluiceProcess(
                arguments: [
                    "generate", "--w1", "--agents", "200", "--count", "20000", "--per-message", "100", "--output",
                    "amqp://\(broker)/?\(topology)",
                ], directory: dir.path, binary: binary)
            generate.environment = ["AMQP_PASSWORD": password]
            let generated = try generate.run()
            #expect(generated.status == 0, "\(generated.stderr)")

            try """
            pipeline: queue-counts
            source: { uri: "amqp://\(broker)/?\(topology)&prefetch=50", format: ndjson, schema: w1 }
            event_time: { field: ts, max_out_of_orderness: 2s }
            steps:
              - key_by: [agent_id]
              - fold: { n: count() }
            sink: { uri: "\(try TestServers.postgresURL())?schema=\(schema)", view: counts, key: [agent_id], flush_every: 200ms }
            dead_letter: { uri: "file:.sluice/dead-letter.ndjson" }
            """.write(toFile: dir.path("counts.yaml"), atomically: true, encoding: .utf8)
            func worker(_ id: String) throws -> OpsDaemon {
                var process = SluiceProcess(
                    arguments: ["run", "counts.yaml", "--workers", "2", "--commit-every", "200ms", "--http", "127.0.0.1:0"],
                    directory: dir.path, binary: binary)
                process.environment = ["AMQP_PASSWORD": password, "SLUICE_WORKER_ID": id]
                return try OpsDaemon(process)
            }
            func listing(_ port: Int) throws -> [String: Any] {
                let answer = try HTTPAnswer.get(port, "/pipelines")
                guard let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else {
                    throw OpsDaemon.Failure(description: "/pipelines is not a JSON object: \(answer.body)")
                }
                return json
            }
            func queueJobs(_ port: Int) throws -> [String: [String: Any]] {
                let entries = try listing(port)["queueJobs"] as? [[String: Any]] ?? []
                return Dictionary(entries.compactMap { e in (e["name"] as? String).map { ($0, e) } }) { a, _ in a }
            }
            func waitUntil(_ what: String, _ run: OpsDaemon, _ condition: () throws -> Bool) throws {
                let end = Date().addingTimeInterval(60)
                while Date() < end {
                    if (try? condition()) == true { return }
                    Thread.sleep(forTimeInterval: 0.2)
                }
                throw OpsDaemon.Failure(description: "timed out waiting for \(what):\n\(run.stderr)")
            }

            // A alone: the broker makes it the active consumer of every queue.
            let a = try worker("worker-a")
            defer {
                a.signal(SIGKILL)
                _ = a.waitForExit(seconds: 10)
            }
            let portA = try a.port()
            try waitUntil("A active on every queue with committed epochs", a) {
                let listed = try queueJobs(portA)
                return jobs.allSatisfy { job in
                    listed[job]?["state"] as? String == "active" && (listed[job]?["epochsCommitted"] as? Int ?? 0) > 0
                }
            }
            let listedA = try queueJobs(portA)
            for (job, queue) in zip(jobs, queues) {
                #expect(listedA[job]?["queue"] as? String == queue, "\(listedA)")
                let lag = listedA[job]?["consumerLag"] as? [[String: Any]]
                #expect(lag?.first?["unit"] as? String == "messages", "\(listedA)")
            }
            let pipelinesA = try listing(portA)["pipelines"] as? [[String: Any]] ?? []
            #expect(Set(pipelinesA.compactMap { $0["name"] as? String }) == Set(jobs), "\(pipelinesA)")
            #expect(Set(pipelinesA.compactMap { $0["queue"] as? String }) == Set(queues))
            let metrics = try HTTPAnswer.get(portA, "/metrics")
            for job in jobs {
                #expect(metrics.sample("sluice_running", labels: "pipeline=\"\(job)\"") == 1, "\(metrics.body)")
            }
            let ready = try HTTPAnswer.get(portA, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")
            for job in jobs { #expect(ready.body.contains("ok \(job) job: running"), "\(ready.body)") }

            // B behind A: it waits on every queue, has no job for any, and says so.
            let b = try worker("worker-b")
            defer {
                b.signal(SIGKILL)
                _ = b.waitForExit(seconds: 10)
            }
            let portB = try b.port()
            try waitUntil("B listing every queue's job as waiting", b) {
                let listed = try queueJobs(portB)
                return jobs.allSatisfy { listed[$0]?["state"] as? String == "waiting" }
            }
            let listedB = try queueJobs(portB)
            for (job, queue) in zip(jobs, queues) {
                #expect(listedB[job]?["queue"] as? String == queue)
                #expect(listedB[job]?["epochsCommitted"] == nil, "a waiting job has no epochs: \(listedB)")
            }
            let pipelinesB = try listing(portB)["pipelines"] as? [[String: Any]]
            #expect(pipelinesB?.isEmpty == true, "\(String(describing: pipelinesB))")
            // A still has every queue.
            #expect(try queueJobs(portA).values.allSatisfy { $0["state"] as? String == "active" })

            b.signal(SIGTERM)
            #expect(b.waitForExit(seconds: 30) == 0, "\(b.stderr)")
            a.signal(SIGTERM)
            #expect(a.waitForExit(seconds: 30) == 0, "\(a.stderr)")
        }
    }

    /// Reload over partitioned queues: a compatible change (the filter) stops every queue's
    /// job with a final checkpoint and starts the new version's, which take their queues
    /// again and resume from those checkpoints; the events published after the reload are
    /// counted by the new version, and the view ends at exactly every event once. An
    /// incompatible change is refused with the reason; a deleted file stops every queue job.
    @Test(.timeLimit(.minutes(5)))
    func aChangedFileReloadsEveryQueueJobFromItsFinalCheckpoint() throws {
        let binary = try ReleaseBinary.path()
        let password = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")
        let broker = try TestServers.amqpAuthority()
        let suffix = String(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF, radix: 16)
        let name = "opsr-\(suffix)"
        let topology = "exchange=\(name)&partitions=\(Self.partitions)&queue=\(name)"
        let schema = "sluice_opsr_\(suffix)"
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let queues = (0..<Self.partitions).map { "\(name).\($0)" }
        let counted = { () -> Int64 in
            let rows = try? admin.execute("SELECT coalesce(sum(n), 0) FROM \(schema).counts")
            return (rows?.rows.first?.first ?? nil).flatMap { Int64($0) } ?? 0
        }

        try TemporaryDirectory.with { dir in
            func publish(_ count: Int, seed: Int) throws {
                var generate = SluiceProcess(
                    arguments: [
                        "generate", "--w1", "--agents", "200", "--count", "\(count)", "--seed", "\(seed)", "--per-message", "1",
                        "--output", "amqp://\(broker)/?\(topology)&routing_key={agent_id}",
                    ], directory: dir.path, binary: binary)
                generate.environment = ["AMQP_PASSWORD": password]
                let generated = try generate.run()
                #expect(generated.status == 0, "\(generated.stderr)")
            }
            func pipeline(filter: String, fold: String = "n: count()") -> String {
                """
                pipeline: queue-counts
                source: { uri: "amqp://\(broker)/?\(topology)&prefetch=50", format: ndjson, schema: w1 }
                event_time: { field: ts, max_out_of_orderness: 2s }
                steps:
                  - filter: "\(filter)"
                  - key_by: [agent_id]
                  - fold: { \(fold) }
                sink: { uri: "\(try! TestServers.postgresURL())?schema=\(schema)", view: counts, key: [agent_id], flush_every: 200ms }
                dead_letter: { uri: "file:.sluice/dead-letter.ndjson" }
                """
            }
            try FileManager.default.createDirectory(atPath: dir.path("p"), withIntermediateDirectories: true)
            try pipeline(filter: "agent_id != ''").write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            // One event per message, routed by its agent: each agent's count lives in one
            // queue's job (the view is keyed by agent).
            try publish(4_000, seed: 1)
            var process = SluiceProcess(
                arguments: ["run", "p", "--workers", "2", "--commit-every", "200ms"], directory: dir.path, binary: binary)
            process.environment = ["AMQP_PASSWORD": password, "SLUICE_WORKER_ID": "worker-r"]
            let run = try OpsDaemon(process)
            defer {
                run.signal(SIGKILL)
                _ = run.waitForExit(seconds: 10)
            }
            func waitFor(_ what: String, _ condition: () -> Bool) throws {
                let end = Date().addingTimeInterval(60)
                while Date() < end && run.process.isRunning {
                    if condition() { return }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                if !condition() {
                    throw OpsDaemon.Failure(description: "timed out waiting for \(what) (\(counted()) counted):\n\(run.stderr)")
                }
            }
            try waitFor("the first 4,000 events counted") { counted() == 4_000 }

            // Incompatible: refused with the reason, the running version keeps its queues.
            try pipeline(filter: "agent_id != ''", fold: "n: count(), top: max(value)")
                .write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            try waitFor("the refusal") { run.stderr.contains("reload refused") }
            #expect(run.stderr.contains("aggregates [n = count()] → "), "\(run.stderr)")

            // Compatible: every queue's job is replaced and resumes from its final checkpoint.
            try pipeline(filter: "agent_id != 'nobody'").write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            try waitFor("the reload") { run.stderr.contains("reloaded: the state fits; each of the \(Self.partitions) queue jobs") }
            // A queue's consumer knows it is active at its first delivery (`AMQPQueueLease`):
            // the new version takes its queues when more events come.
            try publish(4_000, seed: 2)
            try waitFor("every queue resumed") {
                queues.allSatisfy { run.stderr.contains("active on queue \($0), resuming from epoch") }
            }
            try waitFor("all 8,000 events counted") { counted() == 8_000 }

            // Deleted: every queue job drains and stops; the run has nothing left and ends.
            try FileManager.default.removeItem(atPath: dir.path("p/counts.yaml"))
            let status = run.waitForExit(seconds: 60)
            #expect(status == 0, "\(run.stderr)")
            #expect(
                run.stderr.contains("queue-counts: pipeline stopped: its file was deleted; each of its \(Self.partitions) queue jobs"),
                "\(run.stderr)")
            #expect(counted() == 8_000, "\(run.stderr)")
        }
    }
}
