import Foundation
import SluicePostgres
import SluiceTestSupport
import Testing

/// `sluice run` with its views in PostgreSQL goes on through a database restart: commits
/// wait (the breaker backs off), the sources pause, and once the server is back the run
/// finishes with the views an uninterrupted run writes. The release binary, as users run it.
@Suite(.serialized) struct CLIDatabaseRestartTests {
    let pipeline = "\(ShippedPipelinesTests.directory)/agent-metrics.yaml"

    private func run(_ binary: String, _ views: CLIKillRestartTests.Views, events: String) throws -> SluiceProcess {
        var process = SluiceProcess(
            arguments: ["run", pipeline, "--workers", "2", "--commit-every", "200ms"], directory: views.directory.path,
            binary: binary)
        process.environment = try ["DAA_EVENTS": "file:\(events)"].merging(views.environment) { $1 }
        return process
    }

    @Test(.timeLimit(.minutes(4)))
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

                    let (child, out, err) = try run(binary, restarted, events: events).start()
                    // The database goes down once the run has committed its first epoch, so the
                    // outage falls in the middle of the run: it cannot finish without the server.
                    let admin = try PostgresConnection.connect(PostgresConfiguration(uri: server.url))
                    let deadline = Date().addingTimeInterval(60)
                    while Date() < deadline, child.isRunning {
                        let saved = try? admin.execute(
                            "SELECT count(*) FROM \(restarted.schema).sluice_checkpoints"
                        ).rows.first?.first ?? nil
                        if let saved, saved != "0" { break }
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                    try server.down()
                    Thread.sleep(forTimeInterval: 3)
                    #expect(child.isRunning, "the run ended while the database was down")
                    try server.up()
                    let result = SluiceProcess.finish(child, out, err)
                    #expect(result.status == 0, "\(result.stderr)")
                    #expect(result.stderr.contains("is unreachable"), "\(result.stderr)")
                    #expect(result.stderr.contains("answers again"), "\(result.stderr)")
                    #expect(result.stdout.contains("1000000 events in"), "\(result.stdout)")
                    let actual = try restarted.rows()
                    #expect(actual.count == expected.count)
                    let differing = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
                    #expect(differing.isEmpty, "\(differing.count) rows differ, e.g. \(differing.prefix(3).map { ($0, expected[$0]!, actual[$0] ?? []) })")
                }
            }
        }
    }
}
