import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A sink whose database turns the run away, with the release binary and the real
/// PostgreSQL: /readyz turns 503 naming that pipeline's commit group, while another
/// pipeline of the same process keeps running.
@Suite(.serialized) struct CLIOpsDegradedTests {
    let pipelines = ShippedPipelinesTests.directory

    @Test func aPostgresSinkThatIsRefusedMakesReadinessFailAndNamesIt() throws {
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
        let suffix = UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF
        let role = "sluice_ops_\(suffix)"
        let schema = "sluice_ops_\(suffix)"
        _ = try admin.execute("CREATE ROLE \(role) LOGIN SUPERUSER")
        defer {
            _ = try? admin.execute("ALTER ROLE \(role) LOGIN")
            _ = try? admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)'")
            _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            _ = try? admin.execute("DROP ROLE IF EXISTS \(role)")
        }
        let url = try TestServers.postgresURL()
        let views = url.replacingOccurrences(of: "://postgres@", with: "://\(role)@") + "?schema=\(schema)"
        #expect(views != url + "?schema=\(schema)", "the test URL names no user to replace: \(url)")

        try TemporaryDirectory.with { dir in
            // A second pipeline with its views in SQLite: it must keep going.
            let other = try String(contentsOfFile: "\(pipelines)/agent-metrics.yaml", encoding: .utf8)
                .replacingOccurrences(of: "pipeline: agent-metrics", with: "pipeline: local-metrics")
                .replacingOccurrences(of: "${DAA_VIEWS:-sqlite:.sluice/views.db}", with: "sqlite:.sluice/local.db")
            try other.write(toFile: dir.path("local-metrics.yaml"), atomically: true, encoding: .utf8)
            var process = SluiceProcess(
                arguments: [
                    "run", "\(pipelines)/agent-metrics.yaml", dir.path("local-metrics.yaml"), "--workers", "2",
                    "--http", "127.0.0.1:0", "--shutdown-timeout", "5s",
                ],
                directory: dir.path, binary: try ReleaseBinary.path())
            process.environment = ["DAA_VIEWS": views]
            let run = try OpsDaemon(process)
            defer {
                run.signal(SIGKILL)
                _ = run.waitForExit(seconds: 10)
            }
            let port = try run.port()
            let group = "agent-metrics postgres commit group (schema \(schema))"
            // Healthy first: an epoch committed in PostgreSQL, the breaker closed.
            var ready = try HTTPAnswer.get(port, "/readyz")
            let healthyBy = Date().addingTimeInterval(30)
            while !(ready.status == 200 && ready.body.contains("ok \(group): breaker closed")) && Date() < healthyBy {
                Thread.sleep(forTimeInterval: 0.2)
                ready = try HTTPAnswer.get(port, "/readyz")
            }
            #expect(ready.status == 200, "\(ready.body)\n\(run.stderr)")
            #expect(ready.body.contains("ok \(group): breaker closed"), "\(ready.body)")

            // The database turns sluice away: its connection is cut and it may not log in.
            _ = try admin.execute("ALTER ROLE \(role) NOLOGIN")
            _ = try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)'")
            let degradedBy = Date().addingTimeInterval(30)
            repeat {
                Thread.sleep(forTimeInterval: 0.2)
                ready = try HTTPAnswer.get(port, "/readyz")
            } while !ready.body.contains("FAIL \(group): breaker") && Date() < degradedBy
            #expect(ready.status == 503, "\(ready.body)")
            #expect(ready.body.contains("FAIL \(group): breaker"), "\(ready.body)\n\(run.stderr)")
            #expect(ready.body.contains("ok local-metrics job: running"), "\(ready.body)")
            let metrics = try HTTPAnswer.get(port, "/metrics")
            #expect(metrics.sample("sluice_connector_ready", labels: "schema \(schema)") == 0, "\(metrics.body)")

            // The other pipeline still reads and commits.
            let before = try #require(
                try HTTPAnswer.get(port, "/metrics").sample("sluice_epochs_committed_total", labels: "pipeline=\"local-metrics\""))
            let movingBy = Date().addingTimeInterval(20)
            var after = before
            while after <= before && Date() < movingBy {
                Thread.sleep(forTimeInterval: 0.2)
                after = try HTTPAnswer.get(port, "/metrics").sample("sluice_epochs_committed_total", labels: "pipeline=\"local-metrics\"") ?? before
            }
            #expect(after > before, "local-metrics stopped committing while agent-metrics' database was away")
            #expect(try HTTPAnswer.get(port, "/healthz").status == 200)

            // A daemon waits for its database rather than failing: the outage is said once,
            // and a stop cannot commit agent-metrics' last epoch, so past the shutdown
            // deadline the run exits 3 and says what was left; local-metrics stopped cleanly.
            #expect(run.stderr.components(separatedBy: "is unreachable").count == 2, "\(run.stderr)")
            run.signal(SIGTERM)
            let status = run.waitForExit(seconds: 30)
            #expect(status == 3, "\(run.stderr)")
            #expect(run.stderr.contains("agent-metrics"), "\(run.stderr)")
        }
    }
}
