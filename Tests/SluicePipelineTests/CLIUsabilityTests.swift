import Foundation
import SluiceConnectors
import SluiceTestSupport
import Testing

/// What a new user meets around the runs: exit codes as the help states them, --version,
/// reports of what was written or left out, the dead-letter account, readable help.
@Suite struct CLIUsabilityTests {
    let pipelines = ShippedPipelinesTests.directory

    private func sluice(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String] = [:]) throws
        -> SluiceProcess.Result
    {
        var process = SluiceProcess(arguments: arguments, directory: dir.path)
        process.environment = environment
        return try process.run()
    }

    @Test func versionIsPrinted() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["--version"], in: dir)
            #expect(result.status == 0)
            #expect(result.stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(result.stdout)")
        }
    }

    @Test func batchOfADirectorySaysItTakesOneFile() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["batch", pipelines, "--input", "events.ndjson"], in: dir)
            #expect(result.status == 2)
            #expect(result.stderr.contains("error: a directory; batch runs one pipeline file"), "\(result.stderr)")
            #expect(result.stderr.contains("sluice run and sluice validate take directories"))
        }
    }

    @Test func aMissingInputFileIsARunFailure() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["batch", "\(pipelines)/agent-metrics.yaml", "--input", "missing.ndjson"], in: dir)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("missing.ndjson"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func generateReportsWhatItWrote() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["generate", "--count", "2000", "--seed", "9", "--output", "events.ndjson"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let bytes = try #require(FileManager.default.attributesOfItem(atPath: dir.path("events.ndjson"))[.size] as? Int)
            #expect(result.stdout == "wrote 2000 DAA events (seed 9, 1000 agents) to events.ndjson (\(bytes) bytes)\n")
            let w1 = try sluice(["generate", "--w1", "--count", "10", "--agents", "5", "--output", "w1.ndjson"], in: dir)
            #expect(w1.stdout.hasPrefix("wrote 10 W1 events (5 agents) to w1.ndjson ("), "\(w1.stdout)")
            // To standard output the events are the whole output.
            let piped = try sluice(["generate", "--count", "3"], in: dir)
            #expect(piped.stdout.split(separator: "\n").count == 3)
            #expect(piped.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("{") })
        }
    }

    @Test func viewsSayHowManyRowsWereLeftOut() throws {
        try TemporaryDirectory.with { dir in
            let environment = ["DAA_DEAD_LETTER": "memory:dead", "DAA_LATE": "memory:late"]
            let batch = try sluice(
                ["batch", "\(pipelines)/agent-metrics.yaml", "--input", "generator:daa?count=3000&seed=3&agents=20"], in: dir,
                environment: environment)
            #expect(batch.status == 0, "\(batch.stderr)")
            let total = try SQLiteViews.rowCount(path: dir.path(".sluice/views.db"), view: "agent_metrics_10s")
            #expect(total > 5)
            let limited = try sluice(["views", "agent_metrics_10s", "--limit", "5"], in: dir)
            #expect(limited.stdout.hasSuffix("(5 rows)\n\(total - 5) more of \(total) rows left out (--limit \(total) shows them all)\n"), "\(limited.stdout)")
            let all = try sluice(["views", "agent_metrics_10s", "--limit", "\(total)"], in: dir)
            #expect(all.stdout.hasSuffix("(\(total) rows)\n"), "\(all.stdout.suffix(200))")
        }
    }

    /// The dead-letter destination gets decoder rejections and de-duplicated repeats: the
    /// summary counts both, and they add up to the records in the file.
    @Test func theSummaryAccountsForEveryDeadLetter() throws {
        try TemporaryDirectory.with { dir in
            let generated = try sluice(["generate", "--count", "20000", "--seed", "4", "--output", "events.ndjson"], in: dir)
            #expect(generated.status == 0)
            let handle = try #require(FileHandle(forWritingAtPath: dir.path("events.ndjson")))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("not json\n{\"id\":\"x\"}\n".utf8))
            try handle.close()
            let result = try sluice(
                ["batch", "\(pipelines)/event-archive.yaml", "--input", "events.ndjson"], in: dir,
                environment: ["DAA_ARCHIVE": "file:archive.ndjson"])
            #expect(result.status == 0, "\(result.stderr)")
            let duplicates = try #require(result.stdout.firstMatch(of: /, 2 rejected, \d+ late, (\d+) duplicates/), "\(result.stdout)").1
            #expect(Int(duplicates)! > 0, "the generator re-delivers some events")
            let records = 2 + Int(duplicates)!
            #expect(
                result.stdout.contains(
                    "\n  dead letters: 2 rejected + \(duplicates) duplicates = \(records) records to file:.sluice/dead-letter.ndjson\n"),
                "\(result.stdout)")
            let file = try String(contentsOfFile: dir.path(".sluice/dead-letter.ndjson"), encoding: .utf8)
            #expect(file.split(separator: "\n").count == records)
        }
    }

    /// Help paragraphs are single lines in the source, so they wrap at the reader's
    /// width; a hard line break inside a sentence shows as a ragged line on any terminal.
    @Test(arguments: ["", "validate", "explain", "run", "batch", "generate", "views"])
    func helpTextsHaveNoBreaksInsideSentences(command: String) throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(command.isEmpty ? ["--help"] : [command, "--help"], in: dir, environment: ["COLUMNS": "5000"])
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst()) {
                // Unindented lines are paragraph text; indented ones are lists and examples.
                let isText = { (l: Substring) in !l.isEmpty && !l.hasPrefix(" ") }
                if isText(line) && isText(next) && !line.hasSuffix(":") {
                    Issue.record("help of '\(command)' breaks a paragraph: \"\(line)\" / \"\(next)\"")
                }
            }
        }
    }
}
