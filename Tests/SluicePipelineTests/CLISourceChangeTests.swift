import Foundation
import SluiceTestSupport
import Testing

/// `sluice run` started again with another source under the same name (`DAA_EVENTS` pointed
/// elsewhere) does not restore the checkpoint saved with the first: its positions and state
/// belong to the old source. Before, the new file was read from the old source's offset,
/// starting mid-line, and de-duplication kept the old source's ids.
@Suite struct CLISourceChangeTests {
    let pipeline = "\(ShippedPipelinesTests.directory)/pattern-effectiveness.yaml"

    private func sluice(_ arguments: [String], events: String, in dir: TemporaryDirectory, binary: String) throws
        -> SluiceProcess.Result
    {
        var process = SluiceProcess(arguments: arguments, directory: dir.path, binary: binary)
        process.environment = ["DAA_EVENTS": events, "DAA_DEAD_LETTER": "file:dead.ndjson", "DAA_LATE": "memory:late"]
        return try process.run()
    }

    @Test func aCheckpointSavedWithOtherSourcesIsRefusedAndFreshStartsOver() throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { dir in
            // The second file is the longer: the first one's end position lies inside it, where
            // the restore used to start reading.
            for (file, seed, count) in [("a.ndjson", "1", "2000"), ("b.ndjson", "2", "4000")] {
                var generate = SluiceProcess(
                    arguments: ["generate", "--count", count, "--seed", seed, "--output", file], directory: dir.path,
                    binary: binary)
                generate.environment = [:]
                #expect(try generate.run().status == 0)
            }
            let first = try sluice(["run", pipeline], events: "file:a.ndjson", in: dir, binary: binary)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("completed: 2000 events in, "), "\(first.stdout)")

            let other = try sluice(["run", pipeline], events: "file:b.ndjson", in: dir, binary: binary)
            #expect(other.status == 1, "\(other.stdout)")
            #expect(other.stderr.contains("was saved with other sources (events=file:a.ndjson; now events=file:b.ndjson)"), "\(other.stderr)")
            #expect(other.stderr.contains("--fresh starts it afresh"), "\(other.stderr)")

            let fresh = try sluice(["run", pipeline, "--fresh"], events: "file:b.ndjson", in: dir, binary: binary)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(fresh.stdout.contains("completed: 4000 events in, "), "\(fresh.stdout)")
            // Nothing was read from the middle of a line.
            let dead = (try? String(contentsOfFile: dir.path("dead.ndjson"), encoding: .utf8)) ?? ""
            #expect(!dead.contains("invalid JSON"), "\(dead.prefix(500))")

            // The same source again resumes where the fresh run ended: nothing left to read.
            let again = try sluice(["run", pipeline], events: "file:b.ndjson", in: dir, binary: binary)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("resuming from"), "\(again.stderr)")
            #expect(again.stdout.contains("completed: 0 events in, "), "\(again.stdout)")
        }
    }
}
