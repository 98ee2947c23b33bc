import ArgumentParser
import SluiceCore
import SluicePipeline
import SluiceRuntime

/// `sluice run FILE|DIR... [--workers N] [--partitions P] [--for DURATION]`
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run pipelines until stopped.",
        discussion: """
            Loads every file first; if any has an error, prints them all and runs nothing \
            (exit 2). Then runs all pipelines side by side until Ctrl-C or SIGTERM (or --for): \
            sources stop reading, what is in flight drains, sinks flush and commit, and \
            sluice exits 0 with a summary per pipeline. A second Ctrl-C quits at once. A \
            connector that cannot start (a missing file, a server that is down) or a run \
            that fails exits 1.

            On a terminal a status line shows events read, the event rate, dead-lettered, \
            late and duplicate events and the event-time watermark (UTC). Bounded inputs \
            (files, generators with count=) end the run by themselves.

            Pipelines whose views are in an SQLite file keep their checkpoint (operator \
            state, source positions) in that file, committed in the same transaction as \
            the views: a run killed at any moment and started again resumes where the last \
            commit left off, and the views end as if it had never stopped. --fresh ignores \
            the stored state.

            Example:
              sluice run pipelines/ --for 30s && sluice views
            """)

    @Argument(help: ArgumentHelp("Pipeline files, or directories of them.", valueName: "file-or-dir"))
    var paths: [String]

    @Option(help: "Worker threads per pipeline (default: one per core).")
    var workers: Int?

    @Option(help: "Partitions of keyed state (default: the file's 'partitions', else the workers).")
    var partitions: Int?

    @Option(
        name: .customLong("commit-every"),
        help: ArgumentHelp(
            "How often an epoch commits: views, checkpoint and acknowledgements, e.g. 1s (default) or 200ms.",
            valueName: "duration"))
    var commitEvery: DurationArgument?

    @Flag(help: "Ignore stored checkpoints: start every pipeline's state and sources afresh (views are kept).")
    var fresh = false

    @Option(name: .customLong("for"), help: ArgumentHelp("Stop after this long, e.g. 30s or 5m.", valueName: "duration"))
    var duration: DurationArgument?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        let files = try PipelineFiles.expand(paths)
        // Pipelines with a `schedule:` run at their times (ScheduledJobs), not now.
        let scheduled = ScheduledJobs.scheduledFiles(files)
        let specs = try LoadedPipelines.load(files).filter { $0.schedule == nil }
        let jobs = ScheduledJobs.start(files: scheduled, workers: workers)
        defer { jobs?.stop() }
        if specs.isEmpty, let jobs {
            jobs.waitForStop(limit: duration?.duration)
            return
        }
        let planned = try LoadedPipelines.plan(specs, planner: .daemon)
        let group = try JobGroup(planned.map { ($0.spec.name, try makeJob($0)) })
        let signals = group.stopOnSignals()
        let timer = duration.map { group.stop(after: $0.duration) }
        group.start()
        var status = StatusLine()
        let label = planned.count == 1 ? planned[0].spec.name : "\(planned.count) pipelines"
        // The signal and timer sources must stay referenced while we wait: under -O,
        // `_ = (signals, timer)` after the wait let the optimizer release them at once,
        // and the release binary ignored Ctrl-C and SIGTERM.
        let outcomes = withExtendedLifetime((signals, timer)) {
            group.wait {
                guard Terminal.stderrIsTerminal else { return }
                var combined = JobStatus.combined(group.jobs.map(\.job.status))
                combined.progress = nil  // unbounded: elapsed time, not an ETA
                StatusLine.redraw(status.text(combined, label: label))
            }
        }
        if Terminal.stderrIsTerminal { StatusLine.clear() }
        let deadLetters = Dictionary(planned.map { ($0.spec.name, Summaries.DeadLetters($0)) }) { a, _ in a }
        try Summaries.print(outcomes, deadLetters: deadLetters)
    }

    private func makeJob(_ planned: PlannedPipeline) throws -> Job {
        var resuming = false
        do {
            let checkpoints = try Checkpointing.plan(planned, fresh: fresh)
            resuming = checkpoints?.restore != nil
            // A restored pipeline keeps the partition count its state was cut into, unless
            // the user names another (which the job then refuses, saying why).
            let restoredPartitions = checkpoints?.restore?.partitions
            var options = RunOptions(
                workers: workers, partitions: partitions ?? restoredPartitions ?? planned.spec.partitions ?? workers)
            options.deadLetter = planned.deadLetter
            if let commitEvery {
                let parts = commitEvery.duration.components
                options.epochIntervalMillis = max(1, parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)
            }
            options.checkpointStore = checkpoints?.store
            options.restoreFrom = checkpoints?.restore
            if let restored = checkpoints?.restore {
                Terminal.printError("\(planned.spec.name): resuming from \(restored.epoch)")
            }
            return try Job(planned.dataflow, options: options)
        } catch {
            Terminal.printError("\(planned.spec.name): error: \(error)")
            if resuming {
                Terminal.printError(
                    "\(planned.spec.name): note: the stored state did not fit this pipeline; "
                        + "--fresh starts it afresh (the views are kept)")
            }
            throw ExitCode(1)
        }
    }
}
