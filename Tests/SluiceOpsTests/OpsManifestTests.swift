import Foundation
import SluiceConnectors
import SluiceCore
import SluiceOps
import SluicePipeline
import SluicePostgres
import SluiceRuntime
import Testing
import Yams

/// The files in ops/ are what operators deploy: they must parse, name the endpoints and
/// port sluice really serves, and the alert rules must use metrics sluice exports.
@Suite struct OpsManifestTests {
    static let ops = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ops").path

    private func documents(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: "\(Self.ops)/\(path)", encoding: .utf8)
        return try Yams.load_all(yaml: text).map { try #require($0 as? [String: Any], "not a mapping in \(path)") }
    }

    private func value(_ object: Any?, _ path: String...) -> Any? {
        var current = object
        for key in path {
            if let index = Int(key), let array = current as? [Any] {
                current = index < array.count ? array[index] : nil
            } else {
                current = (current as? [String: Any])?[key]
            }
        }
        return current
    }

    @Test func theKubernetesManifestsProbeTheRealEndpoints() throws {
        let docs = try documents("kubernetes/sluice.yaml")
        let kinds = docs.compactMap { $0["kind"] as? String }
        #expect(kinds == ["ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"])
        // The autoscaler scales on the consumer lag sluice exports (an external metric
        // served by prometheus-adapter from the rule in ops/kubernetes).
        let autoscaler = try #require(docs.first { $0["kind"] as? String == "HorizontalPodAutoscaler" })
        let scaleMetrics = try #require(value(autoscaler, "spec", "metrics") as? [[String: Any]])
        #expect(scaleMetrics.map { value($0, "external", "metric", "name") as? String } == ["sluice_consumer_lag"])
        #expect(value(scaleMetrics.first, "external", "metric", "selector", "matchLabels", "unit") as? String == "messages")
        let adapter = try documents("kubernetes/prometheus-adapter-rules.yaml")
        let rules = try #require(value(adapter.first, "data", "config.yaml") as? String)
        let external = try #require(value(try Yams.load(yaml: rules), "externalRules", "0") as? [String: Any])
        #expect((external["seriesQuery"] as? String)?.hasPrefix("sluice_consumer_lag") == true)
        #expect(value(external, "name", "as") as? String == "sluice_consumer_lag")
        let deployment = try #require(docs.first { $0["kind"] as? String == "Deployment" })
        let container = try #require(value(deployment, "spec", "template", "spec", "containers", "0") as? [String: Any])
        #expect(value(container, "livenessProbe", "httpGet", "path") as? String == "/healthz")
        #expect(value(container, "livenessProbe", "httpGet", "port") as? Int == 9464)
        #expect(value(container, "readinessProbe", "httpGet", "path") as? String == "/readyz")
        #expect(value(container, "readinessProbe", "httpGet", "port") as? Int == 9464)
        #expect(value(container, "ports", "0", "containerPort") as? Int == 9464)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "run")
        let http = try #require(args.firstIndex(of: "--http").map { args[$0 + 1] })
        #expect(OpsConfiguration.parseAddress(http)?.port == 9464)
        #expect(value(container, "resources", "limits", "memory") != nil && value(container, "resources", "requests", "cpu") != nil)
        // Longer than the shutdown timeout, so sluice ends by itself.
        let timeout = try #require(args.firstIndex(of: "--shutdown-timeout").map { args[$0 + 1] })
        let grace = try #require(value(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds") as? Int)
        #expect(Int64(grace) * 1000 > PipelineDurations.milliseconds(timeout)!)
        // The secret keys the deployment reads exist.
        let secret = try #require(docs.first { $0["kind"] as? String == "Secret" })
        let keys = Set((secret["stringData"] as? [String: Any])?.keys.map { $0 } ?? [])
        for env in container["env"] as? [[String: Any]] ?? [] {
            let key = try #require(value(env, "valueFrom", "secretKeyRef", "key") as? String)
            #expect(keys.contains(key), "secret key \(key)")
        }
        // The pipeline in the ConfigMap is a valid pipeline file.
        let configMap = try #require(docs.first { $0["kind"] as? String == "ConfigMap" })
        for (name, text) in configMap["data"] as? [String: String] ?? [:] {
            let load = PipelineLoader(environment: ["DAA_EVENTS": "generator:daa", "DAA_VIEWS": "memory:views"])
                .load(text: text, path: name)
            #expect(load.diagnostics.isEmpty, "\(load.rendered)")
        }
    }

    @Test func theSystemdUnitRunsTheDaemonWithItsEndpoints() throws {
        let unit = try String(contentsOfFile: "\(Self.ops)/systemd/sluice.service", encoding: .utf8)
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        #expect(exec.contains(" run ") && exec.contains("--http 127.0.0.1:9464") && exec.contains("--shutdown-timeout 30s"))
        #expect(unit.contains("KillSignal=SIGTERM"))
    }

    /// Every metric an alert or a dashboard panel names is one sluice exports (read from
    /// the exposition of a running job, with a PostgreSQL group for the breaker metric),
    /// and promtool accepts the rules.
    @Test func alertsAndDashboardUseExportedMetrics() throws {
        let group = PostgresCommitGroup(configuration: PostgresConfiguration(uri: "postgresql://sluice@127.0.0.1:1/none"))
        let running = try RunningJob { $0.checkpointStore = group }
        defer { running.job.abort() }
        #expect(running.awaitEvents())
        // A second pipeline on a file, never run, for the consumer lag gauge (the
        // generator has no input waiting to report).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-lag-\(UUID().uuidString).ndjson")
        try Data(#"{"agent_id":"a","ts":1764000000000}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let flow = Dataflow(name: "file")
        let schema = Schema([Field("agent_id", .string, nullable: false), Field("ts", .timestamp, nullable: false)])
        let fileSource = try NDJSONFileSource(name: "events", path: file.path, schema: schema, required: [])
        let events = flow.source(fileSource, eventTime: nil)
        flow.sink("out", from: events, to: IsolationTests.StalledSink(delayMillis: 0), mode: .append)
        let fileJob = try Job(flow)
        let state = OpsState(
            pipelines: [
                OpsState.Pipeline(name: running.name, job: running.job), OpsState.Pipeline(name: "file", job: fileJob),
            ], configuration: OpsConfiguration())
        let metrics = OpsMetrics()
        metrics.recordCheckpoint(pipeline: running.name, CheckpointReportFixture.one)
        // A watermark must exist for the watermark gauges.
        let end = Date().addingTimeInterval(20)
        while running.job.status.watermark == nil && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        metrics.refresh(state)
        let exported = Set(
            metrics.exposition().split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
                String($0.prefix { $0 != "{" && $0 != " " })
            })
        let rules = try String(contentsOfFile: "\(Self.ops)/prometheus/sluice-alerts.yaml", encoding: .utf8)
        let dashboard = try String(contentsOfFile: "\(Self.ops)/grafana/sluice-dashboard.json", encoding: .utf8)
        _ = try JSONSerialization.jsonObject(with: Data(dashboard.utf8))
        let named = try Regex("sluice_[a-z_]+")
        for text in [rules, dashboard] {
            for match in text.matches(of: named) {
                let name = String(text[match.range])
                #expect(exported.contains(name), "\(name) is not exported; exported: \(exported.sorted())")
            }
        }
        #expect(exported.contains("sluice_breaker_state") && exported.contains("sluice_consumer_lag"))

        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(promtool != nil, "ops/install-deps.sh installs prometheus for promtool")
        }
        if let promtool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: promtool)
            process.arguments = ["check", "rules", "\(Self.ops)/prometheus/sluice-alerts.yaml"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("SUCCESS: 6 rules found"), "\(text)")
        }
    }
}
