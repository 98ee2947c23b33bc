import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceConnectors

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice run --http` as operators use it: the release binary, real HTTP over loopback,
/// in the healthy, draining and past-the-deadline states.
@Suite(.serialized) struct CLIOpsEndpointsTests {
    let pipelines = ShippedPipelinesTests.directory

    private func daemon(_ extra: [String], in dir: TemporaryDirectory) throws -> OpsDaemon {
        let binary = try ReleaseBinary.path()
        let arguments = ["run", "\(pipelines)/agent-metrics.yaml", "--workers", "2", "--partitions", "2", "--http", "127.0.0.1:0"]
        return try OpsDaemon(SluiceProcess(arguments: arguments + extra, directory: dir.path, binary: binary))
    }

    /// Polls `/metrics` until `metric{labels}` is above `minimum` (at most 30 s).
    private func awaitMetric(_ port: Int, _ metric: String, labels: String, above minimum: Double) throws -> Double {
        let end = Date().addingTimeInterval(30)
        var last: Double?
        while Date() < end {
            last = try HTTPAnswer.get(port, "/metrics").sample(metric, labels: labels)
            if let last, last > minimum { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw OpsDaemon.Failure(description: "\(metric){\(labels)} stayed at \(String(describing: last))")
    }

    @Test func aHealthyRunAnswersEveryEndpointAndStopsCleanly() throws {
        try TemporaryDirectory.with { dir in
            let run = try daemon([], in: dir)
            let port = try run.port()
            let p = "pipeline=\"agent-metrics\""
            // An epoch committed: the views and the checkpoint are in the file.
            _ = try awaitMetric(port, "sluice_epochs_committed_total", labels: p, above: 0)

            let health = try HTTPAnswer.get(port, "/healthz")
            #expect(health.status == 200, "\(health.body)")
            #expect(health.body.contains("ok agent-metrics executors: 2 partition(s) answered"), "\(health.body)")

            let ready = try HTTPAnswer.get(port, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")
            #expect(ready.body.contains("ok process: running"), "\(ready.body)")
            #expect(ready.body.contains("ok agent-metrics job: running"), "\(ready.body)")

            let first = try HTTPAnswer.get(port, "/metrics")
            #expect(first.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            let eventsBefore = try #require(first.sample("sluice_events_in_total", labels: p), "\(first.body)")
            #expect(first.sample("sluice_inbox_depth", labels: "partition=\"1\"") != nil, "\(first.body)")
            #expect(first.sample("sluice_operator_rows_in_total", labels: "operator=\"aggregate\"") ?? 0 > 0)
            #expect(first.sample("sluice_checkpoint_duration_seconds_count", labels: p) ?? 0 > 0, "\(first.body)")
            #expect(first.sample("sluice_checkpoint_state_bytes", labels: p) ?? 0 > 0)
            #expect(first.sample("sluice_sink_rows_written_total", labels: "sink=\"sink\"") != nil)
            // Counters come from status snapshots: they keep moving while events flow.
            let eventsAfter = try awaitMetric(port, "sluice_events_in_total", labels: p, above: eventsBefore)
            #expect(eventsAfter > eventsBefore)

            Thread.sleep(forTimeInterval: 1.2)  // the rate needs two samples a second apart
            let listing = try HTTPAnswer.get(port, "/pipelines")
            #expect(listing.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(listing.body.utf8)) as? [String: Any])
            #expect(json["draining"] as? Bool == false)
            let pipeline = try #require((json["pipelines"] as? [[String: Any]])?.first, "\(listing.body)")
            #expect(pipeline["name"] as? String == "agent-metrics")
            #expect(pipeline["state"] as? String == "running")
            #expect((pipeline["partitions"] as? [[String: Any]])?.count == 2)
            let operators = (pipeline["operators"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(operators.contains("aggregate"), "\(operators)")
            #expect((pipeline["lastEpoch"] as? Int ?? 0) > 0)
            #expect((pipeline["eventsPerSecond"] as? Double ?? 0) > 0, "\(listing.body)")
            #expect((pipeline["graph"] as? [String])?.contains("sink sink") == true, "\(listing.body)")

            // Where event time stands, and what holds it back, over HTTP and from the CLI.
            let watermarks = try HTTPAnswer.get(port, "/pipelines/agent-metrics/watermarks")
            #expect(watermarks.status == 200)
            let inspect = try SluiceProcess(
                arguments: ["inspect", "agent-metrics", "--http", "127.0.0.1:\(port)"], directory: dir.path,
                binary: try ReleaseBinary.path()
            ).run()
            #expect(inspect.status == 0, "\(inspect.stderr)")
            #expect(inspect.stdout.contains("partition 1 dedupe: watermark 20"), "\(inspect.stdout)")
            #expect(inspect.stdout.contains("held back by split source/0 at 20"), "\(inspect.stdout)")
            #expect(try HTTPAnswer.get(port, "/pipelines/nope/watermarks").status == 404)

            // For one key (the agent and metric of a committed row): where its state is,
            // its windows and when each fires.
            let views = try SQLiteViews.read(path: dir.path(".sluice/views.db"), view: "agent_metrics_10s", limit: 1)
            let row = try #require(views.rows.first)
            guard case .string(let agent) = row[views.columns.firstIndex(of: "agent_id")!],
                case .string(let metric) = row[views.columns.firstIndex(of: "metric")!]
            else { throw OpsDaemon.Failure(description: "no string key in \(row)") }
            let keyed = try SluiceProcess(
                arguments: ["inspect", "agent-metrics", "--http", "127.0.0.1:\(port)", "--key", agent, "--key", metric],
                directory: dir.path, binary: try ReleaseBinary.path()
            ).run()
            #expect(keyed.status == 0, "\(keyed.stderr)")
            #expect(keyed.stdout.contains("key (\(agent), \(metric)) in aggregate [agent_id, metric], partition "), "\(keyed.stdout)")
            #expect(keyed.stdout.contains("  window ["), "\(keyed.stdout)")
            #expect(keyed.stdout.contains("fires when the watermark reaches") || keyed.stdout.contains("fired;"), "\(keyed.stdout)")

            let sent = Date()
            run.signal(SIGTERM)
            let status = run.waitForExit(seconds: 20)
            #expect(status == 0, "\(run.stderr)")
            #expect(Date().timeIntervalSince(sent) < 5)
            #expect(run.stdout.hasPrefix("agent-metrics: stopped: "), "\(run.stdout)")
        }
    }

    /// SIGTERM while the views file is locked by another writer: the final commit cannot
    /// happen. Meanwhile /readyz says draining and /healthz still answers; past
    /// --shutdown-timeout sluice exits 3 and says what it left.
    @Test func aStopPastTheShutdownTimeoutExitsThreeAndSaysWhatWasLeft() throws {
        try TemporaryDirectory.with { dir in
            // 6 s: the endpoints below are asked while it drains, and under a loaded test
            // run three requests took over 2 s (the process had exited, /healthz refused).
            let run = try daemon(["--shutdown-timeout", "6s"], in: dir)
            let port = try run.port()
            _ = try awaitMetric(port, "sluice_epochs_committed_total", labels: "pipeline=\"agent-metrics\"", above: 0)
            // Another writer holds the write lock: sluice's commits wait (busy timeout 60 s).
            let blocker = try SQLiteConnection.open(path: dir.path(".sluice/views.db"), access: .readWriteCreate)
            try blocker.execute("BEGIN IMMEDIATE")
            defer { try? blocker.execute("ROLLBACK") }

            let sent = Date()
            run.signal(SIGTERM)
            #expect(run.waitForStderr(seconds: 5) { $0.contains("stopping: draining and flushing") })
            let ready = try HTTPAnswer.get(port, "/readyz")
            #expect(ready.status == 503, "\(ready.body)")
            #expect(ready.body.hasPrefix("FAIL process: draining"), "\(ready.body)")
            let health = try HTTPAnswer.get(port, "/healthz")
            #expect(health.status == 200, "the executors still answer while draining: \(health.body)")
            let metrics = try HTTPAnswer.get(port, "/metrics")
            #expect(metrics.body.contains("sluice_draining 1.0"), "\(metrics.body)")

            let status = run.waitForExit(seconds: 20)
            let took = Date().timeIntervalSince(sent)
            #expect(status == 3, "\(run.stderr)")
            #expect(took >= 6 && took < 14, "exited \(took) s after SIGTERM")
            #expect(run.stderr.contains("shutdown deadline passed"), "\(run.stderr)")
            #expect(run.stderr.contains("left: agent-metrics: "), "\(run.stderr)")
            #expect(run.stderr.contains("will be read again"), "\(run.stderr)")
        }
    }

    /// --log-format json: every line on standard error is one JSON object with a
    /// timestamp, level and message; lifecycle lines carry their context.
    @Test func jsonLogsAreOneObjectPerLifecycleLine() throws {
        try TemporaryDirectory.with { dir in
            let run = try daemon(["--log-format", "json", "--for", "2s"], in: dir)
            let status = run.waitForExit(seconds: 30)
            #expect(status == 0, "\(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            var messages: [String] = []
            for line in lines {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "not JSON: \(line)")
                #expect(object["ts"] != nil && object["level"] != nil)
                messages.append(object["msg"] ?? "")
                if object["msg"] == "starting" {
                    #expect(object["pipeline"] == "agent-metrics")
                    #expect(object["sources"]?.contains("generator:daa") == true)
                    #expect(object["partitions"] == "2")
                }
            }
            #expect(messages.contains("starting"), "\(run.stderr)")
            #expect(messages.contains { $0.hasPrefix("http endpoints listening") })
            #expect(messages.contains { $0.hasPrefix("stopping: the time limit passed") })
            #expect(messages.contains("stopped"), "\(run.stderr)")
            // Never per event: a handful of lines for a 2-second run of thousands of events.
            #expect(lines.count < 10, "\(run.stderr)")
        }
    }

    @Test func aPortInUseFailsTheStartWithExitOne() throws {
        try TemporaryDirectory.with { dir in
            let first = try daemon([], in: dir)
            let port = try first.port()
            defer {
                first.signal(SIGTERM)
                _ = first.waitForExit(seconds: 20)
            }
            try TemporaryDirectory.with { other in
                let binary = try ReleaseBinary.path()
                let second = try SluiceProcess(
                    arguments: ["run", "\(pipelines)/agent-metrics.yaml", "--http", "127.0.0.1:\(port)"],
                    directory: other.path, binary: binary
                ).run()
                #expect(second.status == 1, "\(second.stderr)")
                #expect(second.stderr.contains("cannot serve the endpoints on 127.0.0.1:\(port)"), "\(second.stderr)")
            }
        }
    }
}
