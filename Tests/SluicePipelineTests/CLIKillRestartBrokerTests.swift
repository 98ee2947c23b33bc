import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice run` reading RabbitMQ (and, for comparison, a file) into PostgreSQL, killed with
/// SIGKILL at ten random moments and started again each time, ends with exactly the rows of
/// an uninterrupted run in both of its outputs: an upserted view and an append-only table.
/// Deliveries are acknowledged only after their epoch's transaction (views, state and
/// positions) commits; whatever the broker hands out again is either unacknowledged work
/// the restored state has not seen or a duplicate the restored de-duplication drops. An
/// append table shows any repeat as an extra row, and any loss as a missing one.
@Suite(.serialized) struct CLIKillRestartBrokerTests {
    enum Input: String, CaseIterable, Sendable { case rabbitmq, file }

    /// The pipeline under test: de-duplication, windows into an upserted view, and every
    /// `pattern.applied` event appended once to a second table.
    static let pipeline = """
        pipeline: crash-exact
        sources:
          events:
            uri: "${DAA_EVENTS}"
            format: json
            event_time: { field: ts, max_out_of_orderness: 5s, allowed_lateness: 1m }
        nodes:
          unique: { from: events, dedupe: { field: id, horizon: 10m } }
          metrics: { from: unique, filter: "type = 'metric'" }
          windows:
            from: metrics
            key_by: [agent_id, metric]
            window: { tumbling: 10s }
            aggregate: { samples: count(), total: sum(value) }
          applied: { from: unique, filter: "type = 'pattern.applied'" }
          applications: { from: applied, select: [id, agent_id, pattern, ts] }
        sinks:
          view:
            from: windows
            uri: "${DAA_VIEWS}"
            view: metrics_10s
            key: [agent_id, metric, window_start]
          log:
            from: applications
            uri: "${DAA_VIEWS}"
            view: applications
            mode: append
        dead_letter: { uri: "file:dead-letter.ndjson" }
        """

    /// One run's two outputs in a schema of its own.
    struct Output {
        var schema = "sluice_crash_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF)"

        var viewsURI: String { get throws { try TestServers.postgresURL() + "?schema=\(schema)" } }

        private func query(_ sql: String) throws -> [[String?]] {
            let connection = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
            return try connection.execute(sql).rows
        }

        /// The view, keyed by (agent, metric, window); sums rounded (the same values summed
        /// in another order may differ in the last bits).
        func view() throws -> [String: String] {
            var keyed: [String: String] = [:]
            for row in try query(
                "SELECT agent_id, metric, (extract(epoch from window_start) * 1000)::bigint, samples, total FROM \(schema).metrics_10s")
            {
                let total = row[4].flatMap(Double.init).map { String(format: "%.6g", $0) } ?? "null"
                keyed["\(row[0] ?? "")|\(row[1] ?? "")|\(row[2] ?? "")"] = "\(row[3] ?? "null")|\(total)"
            }
            return keyed
        }

        /// The append table as a multiset: id → how many rows carry it.
        func appended() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for row in try query("SELECT id, agent_id, pattern FROM \(schema).applications") {
                counts[row.map { $0 ?? "null" }.joined(separator: "|"), default: 0] += 1
            }
            return counts
        }

        /// The newest epoch checkpointed in this schema (0 before any).
        func committedEpoch() -> Int64 {
            let rows = try? query("SELECT coalesce(max(epoch), 0) FROM \(schema).sluice_checkpoints")
            return rows?.first?.first.flatMap { $0.flatMap { Int64($0) } } ?? 0
        }

        func drop() {
            _ = try? query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        }
    }

    /// Removes the generator's very late events from `path`. Whether such an event counts
    /// depends on where its source cut batches, not on crashes: before the first watermark
    /// nothing is late, and a file's first batch is larger than the broker's. Every event
    /// kept is at most `max_out_of_orderness + allowed_lateness` (65 s) behind the newest
    /// before it, so no batching makes it late and both runs must count it.
    static func keepOnlyEventsNeverLate(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var newest = Int64.min
        var kept = ""
        kept.reserveCapacity(text.utf8.count)
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "\"ts\":"), let ts = Int64(line[range.upperBound...].prefix { $0.isNumber }) else {
                kept += line + "\n"
                continue
            }
            if newest != .min && ts < newest - 65_000 { continue }
            newest = max(newest, ts)
            kept += line + "\n"
        }
        try kept.write(toFile: path, atomically: true, encoding: .utf8)
    }

    // `.file` is for a local run: a file into PostgreSQL is already `CLIKillRestartTests`'
    // case, and both cases at once doubled this suite's load on CI's two cores.
    @Test(.timeLimit(.minutes(8)), arguments: [Input.rabbitmq])
    func killedAtTenRandomMomentsBothOutputsEqualAnUninterruptedRun(input: Input) throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { directory in
            let pipelineFile = directory.path("crash-exact.yaml")
            try Self.pipeline.write(toFile: pipelineFile, atomically: true, encoding: .utf8)
            // The broker delivers ~30 k messages/s here, so 200,000 events take several
            // seconds to consume; a file is read far faster, so it needs more events for ten
            // kills to land mid-run.
            let count = input == .rabbitmq ? 200_000 : 2_000_000
            let events = directory.path("events.ndjson")
            let generated = try SluiceProcess(
                arguments: ["generate", "--count", "\(count)", "--seed", "33", "--output", events], directory: directory.path,
                binary: binary
            ).run()
            #expect(generated.status == 0, "\(generated.stderr)")
            try Self.keepOnlyEventsNeverLate(events)

            let reference = Output()
            let crashed = Output()
            defer {
                reference.drop()
                crashed.drop()
            }
            func run(into output: Output, from source: String, in runDirectory: String) throws -> SluiceProcess {
                var process = SluiceProcess(
                    arguments: ["run", pipelineFile, "--workers", "2", "--commit-every", "200ms"], directory: runDirectory,
                    binary: binary)
                process.environment = [
                    "DAA_EVENTS": source, "DAA_VIEWS": try output.viewsURI,
                    "AMQP_PASSWORD": try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD"),
                ]
                return process
            }

            let started = Date()
            let uninterrupted = try run(into: reference, from: "file:\(events)", in: directory.path).run()
            #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
            let fileRunTime = Date().timeIntervalSince(started)
            let expectedView = try reference.view()
            let expectedAppends = try reference.appended()
            #expect(expectedView.count > 1_000)
            #expect(expectedAppends.count > 1_000)
            #expect(expectedAppends.values.allSatisfy { $0 == 1 })

            let source: String
            switch input {
            case .file:
                source = "file:\(events)"
            case .rabbitmq:
                let queue = "crash-exact-\(UUID().uuidString.prefix(8).lowercased())"
                let base =
                    "amqp://\(try TestServers.setting("SLUICE_TEST_AMQP_USER"))@\(try TestServers.setting("SLUICE_TEST_AMQP_HOST")):"
                    + "\(try TestServers.setting("SLUICE_TEST_AMQP_PORT"))/"
                var publish = SluiceProcess(
                    arguments: ["generate", "--from", events, "--output", base + "?queue=\(queue)"], directory: directory.path,
                    binary: binary)
                publish.environment = ["AMQP_PASSWORD": try TestServers.setting("SLUICE_TEST_AMQP_PASSWORD")]
                let published = try publish.run()
                #expect(published.status == 0, "\(published.stderr)")
                source = base + "?queue=\(queue)&prefetch=10000&end_when_idle=2s"
            }

            let crashedDirectory = directory.path("crashed")
            try FileManager.default.createDirectory(atPath: crashedDirectory, withIntermediateDirectories: true)
            var random = SplitMix64(seed: 12)
            var killed = 0
            var resumed = 0
            for _ in 0..<10 {
                let before = crashed.committedEpoch()
                let (child, out, err) = try run(into: crashed, from: source, in: crashedDirectory).start()
                // Once this run has committed something of its own (every run makes progress,
                // however slow the machine is at starting it), then a little later: for a file
                // 0–2 % of an uninterrupted run, for the broker 0–0.5 s of consuming.
                let committedBy = Date().addingTimeInterval(30)
                while child.isRunning, crashed.committedEpoch() <= before, Date() < committedBy {
                    Thread.sleep(forTimeInterval: 0.02)
                }
                let delay =
                    input == .file
                    ? fileRunTime * Double(random.next() % 20) / 1_000
                    : Double(random.next() % 500) / 1_000
                Thread.sleep(forTimeInterval: delay)
                if child.isRunning {
                    kill(child.processIdentifier, SIGKILL)
                    killed += 1
                }
                let result = SluiceProcess.finish(child, out, err)
                #expect(result.reason == .uncaughtSignal || result.status == 0, "\(result.stderr)")
                if result.stderr.contains("crash-exact: resuming from epoch") { resumed += 1 }
            }
            let last = try run(into: crashed, from: source, in: crashedDirectory).run()
            #expect(last.status == 0, "\(last.stderr)")
            #expect(killed >= 8, "only \(killed) runs were still going when killed")
            #expect(resumed >= 5, "only \(resumed) restarts resumed from a checkpoint")

            let actualView = try crashed.view()
            let differing = expectedView.keys.filter { actualView[$0] != expectedView[$0] }.sorted()
            #expect(actualView.count == expectedView.count)
            #expect(differing.isEmpty, "\(differing.count) view rows differ, e.g. \(differing.prefix(3).map { ($0, expectedView[$0]!, actualView[$0] ?? "missing") })")

            let actualAppends = try crashed.appended()
            let repeated = actualAppends.filter { $0.value > 1 }
            let missing = expectedAppends.keys.filter { actualAppends[$0] == nil }
            let extra = actualAppends.keys.filter { expectedAppends[$0] == nil }
            #expect(repeated.isEmpty, "\(repeated.count) appended rows repeat, e.g. \(repeated.prefix(3))")
            #expect(missing.isEmpty, "\(missing.count) appended rows are missing, e.g. \(missing.prefix(3))")
            #expect(extra.isEmpty, "\(extra.count) appended rows were never expected, e.g. \(extra.prefix(3))")
        }
    }
}
