import ArgumentParser
import Foundation
import SluicePipeline
import SluiceRuntime

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

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int?

    @Option(help: "Partitions of keyed state (default: the file's 'partitions', else the workers).")
    var partitions: Int?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            Terminal.printError(
                "\(path): error: a directory; batch runs one pipeline file, e.g. sluice batch \(path)/agent-metrics.yaml "
                    + "--input events.ndjson (sluice run and sluice validate take directories)")
            throw ExitCode(2)
        }
        let overrides = try sourceOverrides()
        let specs = try LoadedPipelines.load([path], loader: PipelineLoader(sourceOverrides: overrides))
        let planned = try LoadedPipelines.plan(specs)[0]
        guard planned.isBounded else {
            let sources = planned.spec.sources.map { "'\($0.name)' (\($0.uri.redacted))" }.joined(separator: ", ")
            Terminal.printError(
                "\(path): error: batch needs bounded input, but \(sources) never ends: give --input FILE, or a generator with count= or duration=")
            throw ExitCode(2)
        }
        var options = RunOptions(workers: workers, partitions: partitions ?? planned.spec.partitions ?? workers)
        options.deadLetter = planned.deadLetter
        let job: Job
        do {
            job = try Job(planned.dataflow, options: options)
        } catch {
            Terminal.printError("\(planned.spec.name): error: \(error)")
            throw ExitCode(1)
        }
        let group = JobGroup([(planned.spec.name, job)])
        let signals = group.stopOnSignals()
        group.start()
        var status = StatusLine()
        // Keeps the signal sources referenced through the wait (see `Run`).
        let outcomes = withExtendedLifetime(signals) {
            group.wait(every: .milliseconds(200)) {
                guard Terminal.stderrIsTerminal else { return }
                var current = job.status
                current.progress = current.progress ?? 0  // a batch run always shows its bar
                StatusLine.redraw(status.text(current, label: planned.spec.name))
            }
        }
        if Terminal.stderrIsTerminal { StatusLine.clear() }
        try Summaries.print(outcomes, deadLetters: [planned.spec.name: Summaries.DeadLetters(planned)])
        if case .success(let summary) = outcomes.first?.result, summary.outcome != .completed {
            Terminal.printError("\(planned.spec.name): the run was \(summary.outcome.rawValue) before its input ended")
            // Stopping on Ctrl-C or SIGTERM is what the user asked for: what was read is
            // committed, so it is a success; any other early end is a failure.
            if !(summary.outcome == .stopped && group.isStopping) { throw ExitCode(1) }
        }
    }

    /// `--input` values by source name; a bare value replaces the only source.
    private func sourceOverrides() throws -> [String: String] {
        var overrides: [String: String] = [:]
        for input in inputs {
            var name: String?
            var value = input
            if let equals = input.firstIndex(of: "="), !input[..<equals].contains(":"), !input[..<equals].contains("/") {
                name = String(input[..<equals])
                value = String(input[input.index(after: equals)...])
            }
            let uri = Self.looksLikeURI(value) ? value : "file:" + value
            guard let name = name ?? (inputs.count == 1 ? Self.onlySourceName : nil) else {
                throw ValidationError("with several --input options, name each source: --input NAME=PATH")
            }
            overrides[name] = uri
        }
        guard let single = overrides[Self.onlySourceName] else { return overrides }
        // A bare --input names the pipeline's one source, whatever it is called.
        let load = PipelineLoader().load(contentsOf: path)
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
