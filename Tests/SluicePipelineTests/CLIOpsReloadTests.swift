import Foundation
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reload as operators do it, on the release binary: a pipelines directory whose file is
/// edited while `sluice run` runs it, with SIGHUP or the file watch. The pipeline folds a
/// count per agent over exactly 20,000 generated events (10 s at 2,000/s), so the view's
/// total says whether state survived: a version that lost the counts made before the
/// reload would end below 20,000.
@Suite(.serialized) struct CLIOpsReloadTests {
    static let events = 20_000

    static func pipeline(filter: String = "agent_id != ''", fold: String = "n: count()", keys: String = "agent_id",
        view: String = "agent_counts", extra: String = "", name: String = "counts", count: Int = CLIOpsReloadTests.events,
        database: String = "views.db") -> String
    {
        """
        pipeline: \(name)
        source: { uri: "generator:daa?count=\(count)&rate=2000&seed=5", format: json }
        event_time: { field: ts, max_out_of_orderness: 5s }
        steps:
          - filter: "\(filter)"
          - key_by: [\(keys)]
          - fold: { \(fold) }
        sink: { uri: "sqlite:.sluice/\(database)", view: \(view), key: [\(keys)], flush_every: 500ms }
        dead_letter: { uri: "file:.sluice/\(name)-dead-letter.ndjson" }
        \(extra)
        """
    }

    /// A running `sluice run p/` in `dir`, its output collected as it comes.
    final class Run: @unchecked Sendable {
        let child: Process
        let pipes: (Pipe, Pipe)
        let collected = Mutex<(Data, Data)>((Data(), Data()))

        init(dir: TemporaryDirectory) throws {
            let process = SluiceProcess(arguments: ["run", "p", "--workers", "2"], directory: dir.path, binary: try ReleaseBinary.path())
            let (child, out, err) = try process.start()
            self.child = child
            pipes = (out, err)
            out.fileHandleForReading.readabilityHandler = { [self] handle in
                let data = handle.availableData
                collected.withLock { $0.0.append(data) }
            }
            err.fileHandleForReading.readabilityHandler = { [self] handle in
                let data = handle.availableData
                collected.withLock { $0.1.append(data) }
            }
        }

        var stderr: String { collected.withLock { String(decoding: $0.1, as: UTF8.self) } }

        /// Waits until standard error contains `text` (at most `seconds`).
        func awaitLog(_ text: String, seconds: TimeInterval = 15) -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if stderr.contains(text) { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        func hangUp() { kill(child.processIdentifier, SIGHUP) }

        /// Waits for the bounded run to end by itself (killing it after `seconds`).
        func finish(seconds: TimeInterval = 60) -> SluiceProcess.Result {
            let end = Date().addingTimeInterval(seconds)
            while child.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            child.waitUntilExit()
            pipes.0.fileHandleForReading.readabilityHandler = nil
            pipes.1.fileHandleForReading.readabilityHandler = nil
            let rest = (pipes.0.fileHandleForReading.readDataToEndOfFile(), pipes.1.fileHandleForReading.readDataToEndOfFile())
            let (stdout, stderr) = collected.withLock { ($0.0 + rest.0, $0.1 + rest.1) }
            return SluiceProcess.Result(
                status: child.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self), reason: child.terminationReason)
        }
    }

    /// The sum of the fold's counts in `view` (nil while the view does not exist yet).
    static func total(_ dir: TemporaryDirectory, view: String = "agent_counts", database: String = "views.db") -> Int64? {
        guard let read = try? SQLiteViews.read(path: dir.path(".sluice/\(database)"), view: view, limit: nil),
            let n = read.columns.firstIndex(of: "n")
        else { return nil }
        return read.rows.reduce(0) { sum, row in
            if case .int(let v) = row[n] { return sum + v }
            return sum
        }
    }

    /// Events the last version read, from its summary line (`counts: completed: N events in`).
    static func eventsRead(_ stdout: String) -> Int? {
        guard let range = stdout.range(of: "counts: completed: ") else { return nil }
        return Int(stdout[range.upperBound...].prefix { $0.isNumber })
    }

    /// Starts the run and waits until some counts are committed (the reload then has
    /// state to keep or lose).
    private func startWithCommittedCounts(_ dir: TemporaryDirectory) throws -> Run {
        try FileManager.default.createDirectory(atPath: dir.path("p"), withIntermediateDirectories: true)
        try Self.pipeline().write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
        let run = try Run(dir: dir)
        let end = Date().addingTimeInterval(15)
        while (Self.total(dir) ?? 0) == 0 && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        return run
    }

    @Test func aBrokenFileIsRejectedAndTheRunningVersionKeepsRunning() throws {
        try TemporaryDirectory.with { dir in
            let run = try startWithCommittedCounts(dir)
            try Self.pipeline(filter: "agent_id !=== ''").write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            run.hangUp()
            #expect(run.awaitLog("reload rejected"), "\(run.stderr)")
            let result = run.finish()
            #expect(result.status == 0, "\(result.stderr)")
            // file:line:column of the bad expression.
            #expect(result.stderr.contains("p/counts.yaml:5:"), "\(result.stderr)")
            #expect(result.stderr.contains("the running version keeps running"), "\(result.stderr)")
            #expect(!result.stderr.contains("replaced version stopped"), "\(result.stderr)")
            #expect(Self.total(dir) == Int64(Self.events), "\(result.stdout)\n\(result.stderr)")
        }
    }

    /// The filter changes (the file watch notices, no signal): the job is replaced at an
    /// epoch boundary, the new one restores the final checkpoint and counts on.
    @Test func aCompatibleChangeKeepsTheStateAndCountsContinue() throws {
        try TemporaryDirectory.with { dir in
            let run = try startWithCommittedCounts(dir)
            let before = try #require(Self.total(dir))
            #expect(before > 0 && before < Int64(Self.events), "the reload must come mid-stream")
            try Self.pipeline(filter: "agent_id != 'nobody'").write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            #expect(run.awaitLog("reloaded: the state fits"), "\(run.stderr)")
            let result = run.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("resuming from epoch"), "\(result.stderr)")
            // The new version read only the events after the checkpoint (it did not start
            // over), and every event is counted once across both versions.
            let read = try #require(Self.eventsRead(result.stdout), "\(result.stdout)")
            #expect(read > 0 && read < Self.events, "\(result.stdout)")
            #expect(Self.total(dir) == Int64(Self.events), "\(result.stdout)\n\(result.stderr)")
        }
    }

    /// A new aggregate does not fit the stored state: refused with the reason, the old
    /// version runs on. The same change saying `on_incompatible_change: start_fresh` (into
    /// a new view) starts afresh: state and source from the beginning.
    @Test func anIncompatibleChangeIsRefusedWithTheReasonUnlessTheFileSaysStartFresh() throws {
        try TemporaryDirectory.with { dir in
            let run = try startWithCommittedCounts(dir)
            try Self.pipeline(fold: "n: count(), newest: max(ts)").write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            run.hangUp()
            #expect(run.awaitLog("reload refused"), "\(run.stderr)")
            #expect(run.stderr.contains("aggregates [n = count()] → "), "\(run.stderr)")
            #expect(run.stderr.contains("on_incompatible_change: start_fresh"), "\(run.stderr)")

            try Self.pipeline(
                fold: "n: count(), newest: max(ts)", view: "agent_counts_2", extra: "on_incompatible_change: start_fresh"
            ).write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            run.hangUp()
            #expect(run.awaitLog("reloaded with fresh state"), "\(run.stderr)")
            let result = run.finish()
            #expect(result.status == 0, "\(result.stderr)")
            // The refused version left the first view to the old one, which counted some;
            // the fresh one read all events again into its own view.
            let first = try #require(Self.total(dir))
            #expect(first > 0 && first <= Int64(Self.events))
            #expect(Self.total(dir, view: "agent_counts_2") == Int64(Self.events), "\(result.stderr)")
        }
    }

    /// Two pipelines; one's file is deleted mid-stream. That pipeline is drained like a
    /// shutdown of its own (its view holds exactly the events it read, so what it read was
    /// committed) and leaves `/pipelines`, `/metrics` and `/readyz`, while the other runs on.
    /// The file put back resumes from the final checkpoint: the view ends at exactly the
    /// input's count, neither short (lost) nor over (read twice).
    @Test func aDeletedFileStopsItsPipelineAfterAFinalCheckpoint() throws {
        try TemporaryDirectory.with { dir in
            let count = 40_000  // 20 s at 2,000/s: the deletion and the return come mid-stream
            let counts = Self.pipeline(count: count)
            try FileManager.default.createDirectory(atPath: dir.path("p"), withIntermediateDirectories: true)
            try counts.write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            try Self.pipeline(view: "other_counts", name: "others", count: count, database: "others.db")
                .write(toFile: dir.path("p/others.yaml"), atomically: true, encoding: .utf8)
            let run = try OpsDaemon(
                SluiceProcess(
                    arguments: ["run", "p", "--workers", "2", "--http", "127.0.0.1:0"], directory: dir.path,
                    binary: try ReleaseBinary.path()))
            let port = try run.port()
            let end = Date().addingTimeInterval(20)
            while (Self.total(dir) ?? 0) == 0 && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            #expect(try HTTPAnswer.get(port, "/metrics").sample("sluice_running", labels: "pipeline=\"counts\"") == 1)

            try FileManager.default.removeItem(atPath: dir.path("p/counts.yaml"))
            let stopped = "counts: pipeline stopped: its file was deleted; it stopped reading, drained and committed its last epoch ("
            #expect(run.waitForStderr { $0.contains(stopped) }, "\(run.stderr)")
            let log = run.stderr
            let read = try #require(
                log.range(of: stopped).flatMap { Int64(log[$0.upperBound...].prefix { $0.isNumber }) }, "\(log)")
            #expect(read > 0 && read < Int64(count), "the deletion must come mid-stream: \(read)")
            // Everything it read is in its view: the last epoch committed.
            #expect(Self.total(dir) == read, "\(log)")

            let listing = try HTTPAnswer.get(port, "/pipelines")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(listing.body.utf8)) as? [String: Any])
            let names = (json["pipelines"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["others"], "\(listing.body)")
            let metrics = try HTTPAnswer.get(port, "/metrics")
            #expect(!metrics.body.contains("pipeline=\"counts\""), "\(metrics.body)")
            #expect(metrics.sample("sluice_running", labels: "pipeline=\"others\"") == 1, "\(metrics.body)")
            let ready = try HTTPAnswer.get(port, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")
            // No check of the stopped pipeline (each is named "PIPELINE job", "PIPELINE CONNECTOR").
            #expect(!ready.body.contains(" counts "), "\(ready.body)")
            #expect(ready.body.contains("ok others job: running"), "\(ready.body)")
            // Stopped, not draining: nothing more reaches its view.
            Thread.sleep(forTimeInterval: 1.5)
            #expect(Self.total(dir) == read)

            // Put back: a new pipeline to the reloader, resuming from the final checkpoint.
            try counts.write(toFile: dir.path("p/counts.yaml"), atomically: true, encoding: .utf8)
            #expect(run.waitForStderr { $0.contains("counts: reload started a new pipeline") }, "\(run.stderr)")
            let status = run.waitForExit(seconds: 90)
            #expect(status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("counts: resuming from epoch"), "\(run.stderr)")
            #expect(Self.total(dir) == Int64(count), "\(run.stdout)\n\(run.stderr)")
            #expect(Self.total(dir, view: "other_counts", database: "others.db") == Int64(count), "\(run.stderr)")
        }
    }
}
