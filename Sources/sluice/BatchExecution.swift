import ArgumentParser
import Foundation
import SluicePipeline
import SluiceRuntime

/// One bounded run of one pipeline file, as `batch` and `replay` make it: load, plan,
/// run with a progress line, print the summary, keep a `JobRecord`.
struct BatchExecution {
    var path: String
    var overrides: [String: String]
    var environment: [String: String]
    var workers: Int?
    var partitions: Int?
    var record: JobRecord.Context

    /// Runs to the end. Exit codes as `sluice batch` documents them.
    func run() throws {
        let started = Date()
        let specs = try LoadedPipelines.load([path], loader: PipelineLoader(environment: environment, sourceOverrides: overrides))
        let planned: PlannedPipeline
        do {
            planned = try LoadedPipelines.plan(specs)[0]
        } catch {
            JobRecord.append(record.finished(specs[0].name, started: started, summary: nil, error: "could not start"))
            throw error
        }
        guard planned.isBounded else {
            let sources = planned.spec.sources.map { "'\($0.name)' (\($0.uri.redacted))" }.joined(separator: ", ")
            Terminal.printError(
                "\(path): error: batch needs bounded input, but \(sources) never ends: give --input FILE, or a generator with count= or duration=")
            throw ExitCode(2)
        }
        var options = RunOptions.boundedJob(workers: workers, partitions: partitions ?? planned.spec.partitions)
        options.deadLetter = planned.deadLetter
        let job: Job
        do {
            job = try Job(planned.dataflow, options: options)
        } catch {
            Terminal.printError("\(planned.spec.name): error: \(error)")
            JobRecord.append(record.finished(planned.spec.name, started: started, summary: nil, error: "\(error)"))
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
        switch outcomes.first?.result {
        case .success(let summary):
            JobRecord.append(record.finished(planned.spec.name, started: started, summary: summary, error: nil))
        case .failure(let error):
            JobRecord.append(record.finished(planned.spec.name, started: started, summary: nil, error: "\(error)"))
        case nil: break
        }
        try Summaries.print(outcomes, deadLetters: [planned.spec.name: Summaries.DeadLetters(planned)])
        if case .success(let summary) = outcomes.first?.result, summary.outcome != .completed {
            Terminal.printError("\(planned.spec.name): the run was \(summary.outcome.rawValue) before its input ended")
            // Stopping on Ctrl-C or SIGTERM is what the user asked for: what was read is
            // committed, so it is a success; any other early end is a failure.
            if !(summary.outcome == .stopped && group.isStopping) { throw ExitCode(1) }
        }
    }
}

/// `--from`/`--to` of a batch run, as `${RANGE_START}`/`${RANGE_END}` (epoch ms).
struct BatchRange {
    var start: Int64?
    var end: Int64?

    init(start: Int64?, end: Int64?) {
        self.start = start
        self.end = end
    }

    init(from: String?, to: String?) throws {
        start = try from.map { try Self.parse($0, "--from") }
        end = try to.map { try Self.parse($0, "--to") }
        if let start, let end, end < start { throw ValidationError("--to is before --from") }
    }

    private static func parse(_ text: String, _ option: String) throws -> Int64 {
        guard let millis = ArchiveTime.parseMillis(text) else {
            throw ValidationError("\(option) \(text): expected epoch milliseconds, a date (2026-01-31) or an RFC 3339 time")
        }
        return millis
    }

    /// The process environment with the range variables set.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let start { environment["RANGE_START"] = String(start) }
        if let end { environment["RANGE_END"] = String(end) }
        return environment
    }
}
