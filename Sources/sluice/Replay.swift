import ArgumentParser
import Foundation
import SluicePipeline

/// `sluice replay DEAD_LETTER_FILE --into PIPELINE`
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-submit dead-lettered records to a pipeline (after the producer or the schema was fixed).",
        discussion: """
            Reads the dead-letter file (NDJSON lines with the record in raw or raw_base64), \
            takes the records the pipeline itself rejected (its name in the line's \
            pipeline field; --all-pipelines takes every pipeline's), and runs the pipeline \
            over them as a batch, in place of its source. Records that fail again go to the \
            pipeline's dead-letter destination with their new reason. Duplicates that \
            de-duplication sent there are left out: they were never lost. Exit codes as for \
            batch.
            """)

    @Argument(help: ArgumentHelp("The dead-letter file.", valueName: "dead-letter-file"))
    var deadLetters: String

    @Option(help: ArgumentHelp("The pipeline file to run them through.", valueName: "pipeline"))
    var into: String

    @Option(help: "The source to replace when the pipeline has several.")
    var source: String?

    @Flag(help: "Take the records every pipeline rejected, not only this one's.")
    var allPipelines = false

    @Option(help: "Worker threads (default: half the cores, at least one: the input reads and decodes on its own threads).")
    var workers: Int?

    func run() throws {
        AllocatorPolicy.applyForBoundedJob()
        let load = PipelineLoader().load(contentsOf: into)
        guard let spec = load.spec else {
            Terminal.printError(load.rendered)
            throw ExitCode(2)
        }
        guard let target = source ?? (spec.sources.count == 1 ? spec.sources[0].name : nil) else {
            throw ValidationError("\(into) has several sources: name the one to replace with --source")
        }
        guard spec.sources.contains(where: { $0.name == target }) else {
            throw ValidationError("\(into) has no source '\(target)'")
        }
        guard let data = FileManager.default.contents(atPath: deadLetters) else {
            Terminal.printError("\(deadLetters): error: cannot read the dead-letter file")
            throw ExitCode(1)
        }
        let records = DeadLetterRecords.parse(data, pipeline: allPipelines ? nil : spec.name)
        Terminal.printError(
            "replay: \(records.records.count) records of \(records.lines) dead letters (\(records.skippedDuplicates) duplicates, \(records.otherPipelines) of other pipelines, \(records.unreadable) unreadable lines left out)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("records.ndjson")
        var bytes: [UInt8] = []
        for record in records.records {
            bytes += record
            bytes.append(0x0A)
        }
        try Data(bytes).write(to: input)
        try BatchExecution(
            path: into, overrides: [target: "file:" + input.path], environment: ProcessInfo.processInfo.environment,
            workers: workers, partitions: nil, record: JobRecord.Context(kind: "replay", range: try BatchRange(from: nil, to: nil))
        ).run()
    }
}

/// The records a dead-letter file holds.
struct DeadLetterRecords {
    var records: [[UInt8]] = []
    var lines = 0
    var skippedDuplicates = 0
    var otherPipelines = 0
    var unreadable = 0

    /// Reads the lines of `DeadLetterEncoder`: `raw` (text) or `raw_base64`; records
    /// of `pipeline` only when given; never duplicates.
    static func parse(_ data: Data, pipeline: String?) -> DeadLetterRecords {
        var out = DeadLetterRecords()
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            out.lines += 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                out.unreadable += 1
                continue
            }
            if let pipeline, object["pipeline"] as? String != pipeline {
                out.otherPipelines += 1
                continue
            }
            if let reason = object["reason"] as? String, reason.hasPrefix("duplicate ") {
                out.skippedDuplicates += 1
                continue
            }
            if let raw = object["raw"] as? String {
                out.records.append(Array(raw.utf8))
            } else if let encoded = object["raw_base64"] as? String, let raw = Data(base64Encoded: encoded) {
                out.records.append(Array(raw))
            } else {
                out.unreadable += 1
            }
        }
        return out
    }
}
