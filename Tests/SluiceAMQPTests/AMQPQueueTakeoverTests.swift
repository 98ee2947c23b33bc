import Foundation
import SluiceAMQP
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The state follows the queue: two `sluice run` processes (the release binary) share four
/// single-active-consumer partition queues with PostgreSQL views; one is killed with
/// SIGKILL mid-run, the other takes over its queues, restores each queue's checkpoint
/// (`PIPELINE#QUEUE`) and ends the run, and the view equals a file run's, row for row.
///
/// Deterministic by construction, not by timing: A alone consumes the first half (so it
/// is the active consumer of all four queues and has saved a checkpoint of each), B then
/// subscribes (waiting on all four: the broker's consumer counts say so), a quarter of the
/// events is published and A is killed at once, so whatever A had applied, checkpointed or
/// acknowledged at that moment, the last quarter reaches B only. The evidence read is B's
/// log (each queue resumed from A's checkpoint), the checkpoint owners and the rows.
@Suite(.serialized) struct AMQPQueueTakeoverTests {
    static let events = 60_000
    let pipeline = AMQPPipelineRuns.pipelinesDirectory + "/agent-metrics.yaml"

    @Test(.timeLimit(.minutes(5)))
    func killedProcessesQueuesAreTakenOverAndTheViewEqualsAFileRun() throws {
        let binary = try Self.releaseBinary()
        let directory = try TemporaryDirectory()
        let lines = try AMQPPipelineRuns.eventLines(count: Self.events, seed: 16, agents: 80)
        let quarter = lines.count / 4
        let parts = [Array(lines[..<(2 * quarter)]), Array(lines[(2 * quarter)..<(3 * quarter)]), Array(lines[(3 * quarter)...])]
        let all = directory.path("all.ndjson")
        try AMQPPipelineRuns.writeFile(lines, to: all)
        for (i, part) in parts.enumerated() { try AMQPPipelineRuns.writeFile(part, to: directory.path("part\(i).ndjson")) }

        let postgres = try TestServers.postgresURL()
        let suffix = UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF
        let reference = "sluice_takeover_ref_\(suffix)"
        let shared = "sluice_takeover_\(suffix)"
        defer { Self.drop([reference, shared], postgres: postgres) }
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_PASSWORD"] = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")

        // The file run.
        let referenceDirectory = try Self.subdirectory(directory, "reference")
        var fileRun = environment
        fileRun["DAA_EVENTS"] = "file:\(all)"
        fileRun["DAA_VIEWS"] = "\(postgres)?schema=\(reference)"
        let fileResult = try BackgroundCommand([binary, "run", pipeline, "--workers", "2"], environment: fileRun, directory: referenceDirectory)
        #expect(fileResult.wait(limit: .seconds(120)) == 0, "\(fileResult.output)")

        let name = AMQPTestBroker.uniqueName("takeover")
        let topology = "exchange=\(name)&partitions=4&queue=\(name)"
        let queues = (0..<4).map { "\(name).\($0)" }
        func publish(_ part: Int) throws {
            let output = try Command.run(
                [binary, "generate", "--from", directory.path("part\(part).ndjson"), "--output", try AMQPTestBroker.uri(topology)],
                environment: environment)
            #expect(output.status == 0, "\(output.output)")
        }
        func worker(_ id: String) throws -> BackgroundCommand {
            var run = environment
            run["SLUICE_WORKER_ID"] = id
            // Idle longer than the test's pauses between publishing, so neither process ends early.
            run["DAA_EVENTS"] = try AMQPTestBroker.uri(topology + "&end_when_idle=10s")
            run["DAA_VIEWS"] = "\(postgres)?schema=\(shared)"
            return try BackgroundCommand(
                [binary, "run", pipeline, "--workers", "2", "--commit-every", "200ms"], environment: run,
                directory: try Self.subdirectory(directory, id))
        }

        try publish(0)
        let a = try worker("worker-a")
        defer { a.kill(SIGKILL) }
        // A is alone: the active consumer of every queue; wait until each has a checkpoint of A's.
        try Self.waitUntil("A's checkpoint of every queue", limit: .seconds(60)) {
            try Self.owners(shared, postgres: postgres).filter { $0.value == "worker-a" }.count == 4
        }
        let b = try worker("worker-b")
        defer { b.kill(SIGKILL) }
        // B waits on every queue behind A: two consumers each.
        let broker = try AMQPTestBroker.connect()
        defer { broker.close() }
        try Self.waitUntil("B subscribed to every queue", limit: .seconds(30)) {
            try queues.allSatisfy { try broker.queueCounts($0).consumers == 2 }
        }
        try publish(1)
        a.kill(SIGKILL)
        #expect(a.wait(limit: .seconds(10)) == -SIGKILL)
        try publish(2)

        let status = b.wait(limit: .seconds(180))
        let log = b.output
        #expect(status == 0, "\(log)")
        print("worker A (killed):\n\(a.output)\nworker B:\n\(log)")
        for queue in queues {
            #expect(log.contains("active on queue \(queue), resuming from epoch"), "B did not resume \(queue) from A's checkpoint: \(log)")
        }
        let owners = try Self.owners(shared, postgres: postgres)
        #expect(owners == Dictionary(uniqueKeysWithValues: queues.map { ("agent-metrics#\($0)", "worker-b") }), "\(owners)")

        let expected = try Self.rows(reference, postgres: postgres)
        let actual = try Self.rows(shared, postgres: postgres)
        #expect(expected.count > 1_000)
        #expect(actual.count == expected.count)
        let differing = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.count) rows differ, e.g. \(differing.prefix(3).map { ($0, expected[$0]!, actual[$0] ?? []) })")
        for queue in queues {
            try waitFor("\(queue) acknowledged") { try AMQPTestBroker.counts(queue) == (0, 0) }
        }
    }

    /// A process whose claim on one queue is taken (another worker claimed `PIPELINE#QUEUE`,
    /// as a process that became the queue's active consumer does) has its next save of that
    /// queue refused: that queue's job stops saying why, the other queues' jobs go on to the
    /// end, and the process exits 1 (a job failed).
    @Test(.timeLimit(.minutes(5)))
    func aQueueWhoseClaimIsTakenStopsAndTheOthersGoOn() throws {
        let binary = try Self.releaseBinary()
        let directory = try TemporaryDirectory()
        let lines = try AMQPPipelineRuns.eventLines(count: 20_000, seed: 17, agents: 40)
        try AMQPPipelineRuns.writeFile(Array(lines[..<10_000]), to: directory.path("part0.ndjson"))
        try AMQPPipelineRuns.writeFile(Array(lines[10_000...]), to: directory.path("part1.ndjson"))
        let postgres = try TestServers.postgresURL()
        let schema = "sluice_fenced_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF)"
        defer { Self.drop([schema], postgres: postgres) }
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_PASSWORD"] = try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")
        let name = AMQPTestBroker.uniqueName("fenced")
        let topology = "exchange=\(name)&partitions=4&queue=\(name)"
        func publish(_ part: Int) throws {
            let output = try Command.run(
                [binary, "generate", "--from", directory.path("part\(part).ndjson"), "--output", try AMQPTestBroker.uri(topology)],
                environment: environment)
            #expect(output.status == 0, "\(output.output)")
        }
        try publish(0)
        var run = environment
        run["SLUICE_WORKER_ID"] = "worker-a"
        run["DAA_EVENTS"] = try AMQPTestBroker.uri(topology + "&end_when_idle=5s")
        run["DAA_VIEWS"] = "\(postgres)?schema=\(schema)"
        let a = try BackgroundCommand(
            [binary, "run", pipeline, "--workers", "2", "--commit-every", "200ms"], environment: run,
            directory: try Self.subdirectory(directory, "a"))
        defer { a.kill(SIGKILL) }
        try Self.waitUntil("A's checkpoint of every queue", limit: .seconds(60)) {
            try Self.owners(schema, postgres: postgres).filter { $0.value == "worker-a" }.count == 4
        }
        let taken = "agent-metrics#\(name).0"
        let connection = try PostgresConnection.connect(PostgresConfiguration(uri: postgres))
        try connection.execute("UPDATE \(schema).sluice_owners SET owner = 'intruder' WHERE pipeline = '\(taken)'")
        try publish(1)

        let status = a.wait(limit: .seconds(120))
        let log = a.output
        #expect(status == 1, "\(log)")
        #expect(log.contains("lost queue \(name).0"), "\(log)")
        #expect(log.contains("fenced: pipeline '\(taken)' was taken over by worker 'intruder'"), "\(log)")
        for queue in 1..<4 {
            #expect(log.contains("agent-metrics#\(name).\(queue): completed:"), "queue \(queue) did not go on: \(log)")
        }
        // The refused queue's checkpoint stayed A's last before the claim; its messages wait
        // in the queue for the next owner.
        #expect(try Self.owners(schema, postgres: postgres)[taken] == "worker-a")
        #expect(try AMQPTestBroker.counts("\(name).0").ready > 0)
    }

    // MARK: Helpers

    /// `SLUICE_RELEASE_BIN` (ops/test.sh builds it), else `.build/release/sluice` when built.
    static func releaseBinary() throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["SLUICE_RELEASE_BIN"], AMQPTestBroker.repositoryRoot + "/.build/release/sluice"]
        for case let path? in candidates where !path.isEmpty && FileManager.default.isExecutableFile(atPath: path) { return path }
        throw BrokerTestError(message: "no release binary: set SLUICE_RELEASE_BIN (swift build -c release --product sluice)")
    }

    static func subdirectory(_ directory: TemporaryDirectory, _ name: String) throws -> String {
        let path = directory.path(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func waitUntil(_ what: String, limit: Duration, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw BrokerTestError(message: "timed out waiting for \(what)")
    }

    /// The owner of each stored checkpoint in `schema` (empty before the first save).
    static func owners(_ schema: String, postgres: String) throws -> [String: String] {
        let connection = try PostgresConnection.connect(PostgresConfiguration(uri: postgres))
        let exists = try connection.execute("SELECT to_regclass('\(schema).sluice_checkpoints') IS NOT NULL").rows.first?.first
        guard exists == "t" else { return [:] }
        let rows = try connection.execute("SELECT pipeline, owner FROM \(schema).sluice_checkpoints").rows
        return Dictionary(rows.compactMap { row in row[0].flatMap { p in row[1].map { (p, $0) } } }) { a, _ in a }
    }

    /// The view keyed by (agent, metric, window), every column as text, doubles to 6 digits
    /// (sums of the same values may differ in the last bits between runs).
    static func rows(_ schema: String, postgres: String) throws -> [String: [String]] {
        let connection = try PostgresConnection.connect(PostgresConfiguration(uri: postgres))
        let result = try connection.execute(
            "SELECT agent_id, metric, (extract(epoch from window_start) * 1000)::bigint, samples, total, low, high, mean, p95 FROM \(schema).agent_metrics_10s"
        )
        var keyed: [String: [String]] = [:]
        for row in result.rows {
            let texts = row.enumerated().map { i, text -> String in
                guard let text else { return "null" }
                if i >= 4, let d = Double(text) { return String(format: "%.6g", d) }
                return text
            }
            keyed[texts.prefix(3).joined(separator: "|")] = texts
        }
        return keyed
    }

    static func drop(_ schemas: [String], postgres: String) {
        guard let connection = try? PostgresConnection.connect(PostgresConfiguration(uri: postgres)) else { return }
        for schema in schemas { _ = try? connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }
}
