import ArgumentParser
import Foundation
import SluicePipeline

/// `sluice batch FILE --input PATH`
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline over bounded input and report.",
        discussion: """
            Reads the input to its end, fires every window, flushes the sinks and prints a \
            summary (events in, rows out per sink, rejected, late, duplicates, rate, and what \
            the dead-letter destination received). The same operators as `run`, over a \
            bounded stream. It runs one pipeline file; `run` takes directories.

            --input replaces the pipeline's source: an NDJSON file path, or a source URI such \
            as generator:daa?count=100000&seed=7. For a pipeline with several sources, name \
            the one to replace: --input orders=orders.ndjson (repeat for each).

            --from and --to set ${RANGE_START} and ${RANGE_END} (epoch milliseconds) for the \
            file, e.g. source: archive:.sluice/archive?from=${RANGE_START}&to=${RANGE_END}; \
            they take epoch milliseconds, a date (2026-01-31, midnight UTC) or an RFC 3339 \
            time. Each run's summary is kept in .sluice/jobs.ndjson (see sluice jobs).

            On a terminal a progress bar shows percent done, rate and ETA. Ctrl-C or SIGTERM \
            stops reading; what was read is flushed and committed. Exits 0 when the run \
            completed or was stopped that way; 1 when it failed or could not start (a missing \
            input file, for one); 2 when the file has errors or the command line is wrong.
            """)

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "file"))
    var path: String

    @Option(
        name: .customLong("input"),
        help: ArgumentHelp("Input replacing the source: PATH, URI, or SOURCE=PATH|URI.", valueName: "input"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Start of the time range, ${RANGE_START} in the file.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("End of the time range (exclusive), ${RANGE_END} in the file.", valueName: "time"))
    var to: String?

    @Option(help: "Worker threads (default: half the cores, at least one: the input reads and decodes on its own threads).")
    var workers: Int?

    @Option(help: "Partitions of keyed state (default: the file's 'partitions', else the workers).")
    var partitions: Int?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        _ = try BatchRange(from: from, to: to)
    }

    func run() throws {
        AllocatorPolicy.applyForBoundedJob()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            Terminal.printError(
                "\(path): error: a directory; batch runs one pipeline file, e.g. sluice batch \(path)/agent-metrics.yaml "
                    + "--input events.ndjson (sluice run and sluice validate take directories)")
            throw ExitCode(2)
        }
        let range = try BatchRange(from: from, to: to)
        let overrides = try sourceOverrides(environment: range.environment)
        try BatchExecution(
            path: path, overrides: overrides, environment: range.environment, workers: workers, partitions: partitions,
            record: JobRecord.Context(kind: "batch", range: range)
        ).run()
    }

    /// `--input` values by source name; a bare value replaces the only source.
    private func sourceOverrides(environment: [String: String]) throws -> [String: String] {
        var overrides: [String: String] = [:]
        for input in inputs {
            var name: String?
            var value = input
            if let equals = input.firstIndex(of: "="), !input[..<equals].contains(":"), !input[..<equals].contains("/") {
                name = String(input[..<equals])
                value = String(input[input.index(after: equals)...])
            }
            // --input is not part of the file, so substitute the range variables here.
            for name in ["RANGE_START", "RANGE_END"] {
                if let setting = environment[name] { value = value.replacingOccurrences(of: "${\(name)}", with: setting) }
            }
            let uri = Self.looksLikeURI(value) ? value : "file:" + value
            guard let name = name ?? (inputs.count == 1 ? Self.onlySourceName : nil) else {
                throw ValidationError("with several --input options, name each source: --input NAME=PATH")
            }
            overrides[name] = uri
        }
        guard let single = overrides[Self.onlySourceName] else { return overrides }
        // A bare --input names the pipeline's one source, whatever it is called.
        let load = PipelineLoader(environment: environment).load(contentsOf: path)
        guard let spec = load.spec else { return [:] }  // the real load reports the errors
        guard spec.sources.count == 1 else {
            let names = spec.sources.map(\.name).joined(separator: ", ")
            throw ValidationError("\(path) has several sources (\(names)): name the one to replace, e.g. --input \(spec.sources[0].name)=PATH")
        }
        return [spec.sources[0].name: single]
    }

    private static let onlySourceName = "\u{0}only"

    /// `scheme:...` for a scheme sluice knows; anything else is a file path.
    static func looksLikeURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        return ConnectorKind.all.contains { $0.scheme == text[..<colon].lowercased() }
    }
}
