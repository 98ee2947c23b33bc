import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice run` with its views in PostgreSQL goes on through a database restart: commits
/// wait (the breaker backs off), the sources pause, and once the server is back the run
/// finishes with the views an uninterrupted run writes; meanwhile readiness reports the
/// commit group's breaker. The release binary, as users run it.
@Suite(.serialized) struct CLIDatabaseRestartTests {
    let pipeline = "\(ShippedPipelinesTests.directory)/agent-metrics.yaml"

    private func run(_ binary: String, _ views: CLIKillRestartTests.Views, events: String) throws -> SluiceProcess {
        var process = SluiceProcess(
            arguments: ["run", pipeline, "--workers", "2", "--commit-every", "200ms"], directory: views.directory.path,
            binary: binary)
        process.environment = try ["DAA_EVENTS": "file:\(events)"].merging(views.environment) { $1 }
        return process
    }

    @Test(.timeLimit(.minutes(5)))
    func aRunOutlastsADatabaseRestartWithExactViews() throws {
        let binary = try ReleaseBinary.path()
        let server = try PrivatePostgres()
        try withExtendedLifetime(server) {
            try TemporaryDirectory.with { referenceDirectory in
                try TemporaryDirectory.with { restartedDirectory in
                    let reference = CLIKillRestartTests.Views(store: .sqlite, directory: referenceDirectory)
                    let restarted = CLIKillRestartTests.Views(
                        store: .postgres, directory: restartedDirectory, postgresURL: server.url)
                    let events = referenceDirectory.path("events.ndjson")
                    let generated = try SluiceProcess(
                        arguments: ["generate", "--count", "1000000", "--seed", "33", "--output", events],
                        directory: referenceDirectory.path, binary: binary
                    ).run()
                    #expect(generated.status == 0, "\(generated.stderr)")
                    let uninterrupted = try run(binary, reference, events: events).run()
                    #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
                    let expected = try reference.rows()
                    #expect(expected.count > 1_000)

                    var restartedRun = try run(binary, restarted, events: events)
                    restartedRun.arguments += ["--http", "127.0.0.1:0"]
                    let child = try OpsDaemon(restartedRun)
                    defer {
                        if child.process.isRunning {
                            child.signal(SIGKILL)
                            _ = child.waitForExit(seconds: 10)
                        }
                    }
                    let port = try child.port()
                    // The database goes down once the run has committed its first epoch, so the
                    // outage falls in the middle of the run: it cannot finish without the server.
                    let admin = try PostgresConnection.connect(PostgresConfiguration(uri: server.url))
                    let deadline = Date().addingTimeInterval(60)
                    while Date() < deadline, child.process.isRunning {
                        let saved = try? admin.execute(
                            "SELECT count(*) FROM \(restarted.schema).sluice_checkpoints"
                        ).rows.first?.first ?? nil
                        if let saved, saved != "0" { break }
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                    try server.down()
                    // Readiness names the commit group and its breaker while the server is away.
                    let group = "agent-metrics postgres commit group (schema \(restarted.schema))"
                    var ready = try HTTPAnswer.get(port, "/readyz")
                    let outageEnds = Date().addingTimeInterval(3)
                    while !(ready.status == 503 && ready.body.contains(group)) && Date() < outageEnds {
                        Thread.sleep(forTimeInterval: 0.1)
                        ready = try HTTPAnswer.get(port, "/readyz")
                    }
                    #expect(ready.status == 503, "\(ready.body)")
                    let groupCheck = ready.body.split(separator: "\n").first { $0.contains(group) } ?? ""
                    #expect(groupCheck.contains("breaker") && !groupCheck.hasPrefix("ok"), "\(ready.body)")
                    Thread.sleep(forTimeInterval: max(0, outageEnds.timeIntervalSinceNow))
                    #expect(child.process.isRunning, "the run ended while the database was down")
                    try server.up()
                    let status = child.waitForExit(seconds: 120)
                    #expect(status == 0, "\(child.stderr)")
                    #expect(child.stderr.contains("is unreachable"), "\(child.stderr)")
                    #expect(child.stderr.contains("answers again"), "\(child.stderr)")
                    #expect(child.stdout.contains("1000000 events in"), "\(child.stdout)")
                    let actual = try restarted.rows()
                    #expect(actual.count == expected.count)
                    let differing = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
                    #expect(differing.isEmpty, "\(differing.count) rows differ, e.g. \(differing.prefix(3).map { ($0, expected[$0]!, actual[$0] ?? []) })")
                }
            }
        }
    }
}
