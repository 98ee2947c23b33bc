import ArgumentParser
import Dispatch
import Logging
import SluiceCore
import SluiceOps
import SluicePipeline
import SluiceRuntime
import Synchronization

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
            the stored state. A checkpoint saved with other sources (a source of the same \
            name now reading another file, queue or topic) is not restored: the run exits 1 \
            saying so, and --fresh starts afresh.

            As a daemon: --http ADDRESS serves /healthz (liveness: every partition queue \
            answers), /readyz (readiness: not draining, jobs running, connectors ready and \
            breakers closed, lag under --ready-max-lag, consumer lag under \
            --ready-max-consumer-lag; 503 naming each failing check), \
            /metrics (Prometheus) and /pipelines (JSON). Off unless given, so several runs \
            can share a host; ADDRESS is HOST:PORT, or :PORT for loopback. A graceful stop \
            that has not finished after --shutdown-timeout (default 30s) exits 3 and logs \
            what was left; what it had not committed is read again on the next start. \
            --log-format logfmt or json writes one structured line per lifecycle event \
            and error (never per event; connector URIs redacted).

            Reload: SIGHUP, or a changed file among the given paths (checked every \
            second), reloads that file. A file with errors is rejected (each error logged \
            as file:line:column) and the running version keeps running. A change that \
            keeps the keyed state's shape (same sources, stateful steps, keys, windows and \
            aggregates; e.g. a filter or a sink option) stops the running version with a \
            final checkpoint and starts the new one from it: counts continue. Any other \
            change is refused with the reason, unless the file says \
            on_incompatible_change: start_fresh. A new file starts its pipeline; a \
            deleted file stops its pipeline as a shutdown of that one pipeline would \
            (drain, final checkpoint, acknowledge) and takes it off the endpoints.

            Example:
              sluice run pipelines/ --for 30s && sluice views
              sluice run pipelines/ --http 127.0.0.1:9464 --log-format logfmt
            """)

    @Argument(help: ArgumentHelp("Pipeline files, or directories of them.", valueName: "file-or-dir"))
    var paths: [String]

    @Option(help: "Worker threads per pipeline (default: one per core; a scheduled batch job: half the cores).")
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

    @Option(
        help: ArgumentHelp(
            "Serve /healthz, /readyz, /metrics and /pipelines on this address, e.g. 127.0.0.1:9464 (default: off).",
            valueName: "host:port"))
    var http: String?

    @Option(
        name: .customLong("ready-max-lag"),
        help: ArgumentHelp(
            "/readyz fails while a pipeline's watermark is further behind the clock than this (default: no check).",
            valueName: "duration"))
    var readyMaxLag: DurationArgument?

    @Option(
        name: .customLong("ready-max-consumer-lag"),
        help: ArgumentHelp(
            "/readyz fails while a source has more than this waiting: messages ready on its queues, or bytes of its file not yet read (default: no check).",
            valueName: "count"))
    var readyMaxConsumerLag: Int64?

    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp("How long a graceful stop may take before sluice exits 3 (default 30s).", valueName: "duration"))
    var shutdownTimeout: DurationArgument?

    @Option(name: .customLong("log-format"), help: "Log lines as text (default), logfmt or json.")
    var logFormat: LogFormat = .text

    /// The process's metrics: one registry for every pipeline of this run.
    private static let metrics = OpsMetrics()

    func validate() throws {
        if let http, OpsConfiguration.parseAddress(http) == nil {
            throw ValidationError("--http wants HOST:PORT or :PORT, e.g. 127.0.0.1:9464; got '\(http)'")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        AllocatorPolicy.applyForDaemon()
        let logger = Operations.logger(format: logFormat)
        let files = try PipelineFiles.expand(paths)
        // Pipelines with a `schedule:` run at their times (ScheduledJobs), not now.
        let scheduled = ScheduledJobs.scheduledFiles(files)
        let specs = try LoadedPipelines.load(files).filter { $0.schedule == nil }
        let scheduledJobs = ScheduledJobs.start(files: scheduled, workers: workers)
        defer { scheduledJobs?.stop() }
        if specs.isEmpty, let scheduledJobs {
            scheduledJobs.waitForStop(limit: duration?.duration)
            return
        }
        let planner = PipelinePlanner.daemon(logger: logger)
        let allPlanned = try LoadedPipelines.plan(specs, planner: planner)
        let settings = JobSettings(
            workers: workers, partitions: partitions, epochIntervalMillis: commitEvery.map {
                let parts = $0.duration.components
                return max(1, parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)
            }, metrics: Self.metrics, logger: logger)
        let planned = allPlanned.filter { !PartitionQueueJobs.handles($0) }
        let jobs = try planned.map { ($0.spec.name, try settings.makeJob($0, fresh: fresh)) }
        let ops = try http.map { try startEndpoints($0, jobs: jobs, planned: planned, logger: logger) }
        // Pipelines over a partitioned RabbitMQ topology run one job per queue (the state follows the queue).
        let queueJobs = try planQueueJobs(allPlanned, planner: planner, settings: settings, ops: ops, logger: logger)
        let deadline = Mutex<(any DispatchSourceTimer)?>(nil)
        let timeout = shutdownTimeout?.duration ?? .seconds(30)
        // Set before the group starts; read only by the hooks it calls.
        let groupBox = Mutex<JobGroup?>(nil)
        let hooks = JobGroup.Hooks(
            stopping: { _ in
                queueJobs?.stop()
                ops?.state.markDraining()
                guard let group = groupBox.withLock({ $0 }) else { return }
                deadline.withLock { $0 = Operations.armDeadline(timeout, group: group, logger: logger) }
            },
            ended: { outcome in
                switch outcome.result {
                case .success(let summary): ops?.state.markEnded(outcome.name, .finished(summary.outcome.rawValue))
                case .failure(let error): ops?.state.markEnded(outcome.name, .failed("\(error)"))
                }
                Operations.logEnd(outcome, logger: logger)
            })
        let group = JobGroup(jobs, hooks: hooks, logger: logger)
        groupBox.withLock { $0 = group }
        let signals = group.stopOnSignals()
        let timer = duration.map { group.stop(after: $0.duration) }
        // SIGHUP and changed files reload (see PipelineReloader); a reloaded pipeline
        // restores its stored state, whatever --fresh said at start.
        let reloader = PipelineReloader(
            paths: paths, running: allPlanned, planner: planner, group: group, queueJobs: queueJobs, ops: ops,
            metrics: Self.metrics,
            logger: logger, makeJob: { try settings.makeJob($0, fresh: $1, reloadedFresh: $1) })
        let reloads = reloader.start()
        for (planned, (_, job)) in zip(planned, jobs) { Operations.logStart(planned, job: job, logger: logger) }
        group.start()
        queueJobs?.start()
        var status = StatusLine()
        let label = allPlanned.count == 1 ? allPlanned[0].spec.name : "\(allPlanned.count) pipelines"
        // The signal and timer sources must stay referenced while we wait: under -O,
        // `_ = (signals, timer)` after the wait let the optimizer release them at once,
        // and the release binary ignored Ctrl-C and SIGTERM.
        let outcomes = withExtendedLifetime((signals, timer, reloads)) {
            group.wait {
                guard Terminal.stderrIsTerminal else { return }
                var combined = JobStatus.combined((group.jobs.map(\.job) + (queueJobs?.activeJobs ?? [])).map(\.status))
                combined.progress = nil  // unbounded: elapsed time, not an ETA
                StatusLine.redraw(status.text(combined, label: label))
            } + (queueJobs?.wait() ?? [])
        }
        reloader.finish(reloads)
        deadline.withLock { $0?.cancel() }
        ops?.stop()
        if Terminal.stderrIsTerminal { StatusLine.clear() }
        let deadLetters = Dictionary(planned.map { ($0.spec.name, Summaries.DeadLetters($0)) }) { a, _ in a }
        try Summaries.print(outcomes, deadLetters: deadLetters, printFailures: false)  // Operations.logEnd said it
    }

    /// Starts the HTTP endpoints before the jobs, so a port in use fails the start (exit 1).
    private func startEndpoints(_ address: String, jobs: [(String, Job)], planned: [PlannedPipeline], logger: Logger)
        throws -> OpsServer
    {
        let (host, port) = OpsConfiguration.parseAddress(address)!
        let configuration = OpsConfiguration(host: host, port: port, maxLag: readyMaxLag?.duration, maxConsumerLag: readyMaxConsumerLag)
        let pipelines = zip(jobs, planned).map { job, planned in
            OpsState.Pipeline(name: job.0, job: job.1, graph: Self.graph(planned))
        }
        let server = OpsServer(
            state: OpsState(pipelines: pipelines, configuration: configuration), metrics: Self.metrics, logger: logger)
        do {
            _ = try server.start()
        } catch {
            logger.error("cannot serve the endpoints on \(address)", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        return server
    }

    /// The per-queue jobs of pipelines reading a partitioned topology (`PartitionQueueJobs`).
    /// Each queue's job is listed by the endpoints (`OpsState.setQueueJob`) as it waits,
    /// becomes active (then among the pipelines too, `PIPELINE#QUEUE`) and ends.
    private func planQueueJobs(
        _ planned: [PlannedPipeline], planner: PipelinePlanner, settings jobSettings: JobSettings, ops: OpsServer?,
        logger: Logger
    ) throws -> PartitionQueueJobs? {
        var settings = PartitionQueueJobs.Settings(
            workers: jobSettings.workers, partitions: jobSettings.partitions, epochIntervalMillis: jobSettings.epochIntervalMillis,
            fresh: fresh, onCheckpointSaved: { [metrics = Self.metrics] in metrics.recordCheckpoint(pipeline: $0, $1) })
        if let state = ops?.state {
            settings.events = PartitionQueueJobs.Events(
                waiting: { state.setQueueJob(OpsState.QueueJob(name: $0, queue: $1, state: .waiting)) },
                active: { name, queue, planned, job in
                    state.put(OpsState.Pipeline(name: name, job: job, graph: Self.graph(planned), queue: queue))
                    state.setQueueJob(OpsState.QueueJob(name: name, queue: queue, state: .active))
                },
                ended: { name, queue, result in
                    switch result {
                    case .success(let summary)?: state.markEnded(name, .finished(summary.outcome.rawValue))
                    case .failure(let error)?: state.markEnded(name, .failed("\(error)"))
                    case nil: break
                    }
                    state.setQueueJob(OpsState.QueueJob(name: name, queue: queue, state: .ended))
                })
        }
        do {
            return try PartitionQueueJobs.plan(planned, planner: planner, settings: settings, logger: logger)
        } catch {
            logger.error("cannot plan the per-queue jobs", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Step names in plan order, for `/pipelines`.
    static func graph(_ planned: PlannedPipeline) -> [String] {
        planned.spec.sources.map { "source \($0.name)" } + planned.spec.nodes.map { "node \($0.name)" }
            + planned.spec.sinks.map { "sink \($0.name)" }
    }
}

/// How `sluice run` builds a pipeline's job, at start and on reload.
struct JobSettings: Sendable {
    var workers: Int?
    var partitions: Int?
    var epochIntervalMillis: Int64?
    var metrics: OpsMetrics
    var logger: Logger

    /// Builds the job; `fresh` ignores the stored checkpoint (`--fresh`). `reloadedFresh`
    /// (a reload with `on_incompatible_change: start_fresh`) also starts state and sources
    /// afresh, but its epochs continue after the stored checkpoint's: the commit group
    /// refuses to save an epoch at or below the one it holds.
    func makeJob(_ planned: PlannedPipeline, fresh: Bool, reloadedFresh: Bool = false) throws -> Job {
        var resuming = false
        do {
            var checkpoints = try Checkpointing.plan(planned, fresh: fresh && !reloadedFresh)
            resuming = checkpoints?.restore != nil
            if !reloadedFresh { try CheckpointSources.verify(checkpoints?.restore, for: planned.spec) }
            // A restored pipeline keeps the partition count its state was cut into, unless
            // the user names another (which the job then refuses, saying why).
            let restoredPartitions = reloadedFresh ? nil : checkpoints?.restore?.partitions
            var options = RunOptions(
                workers: workers, partitions: partitions ?? restoredPartitions ?? planned.spec.partitions ?? workers)
            if reloadedFresh, let stored = checkpoints?.restore {
                // Nothing restored but the epoch number.
                checkpoints?.restore = Checkpoint(
                    epoch: stored.epoch, partitions: options.partitions, positions: [], watermarks: [], states: [:])
                resuming = false
            }
            options.deadLetter = planned.deadLetter
            if let epochIntervalMillis { options.epochIntervalMillis = epochIntervalMillis }
            options.checkpointStore = checkpoints?.store
            options.restoreFrom = checkpoints?.restore
            options.checkpointAnnotations = CheckpointSources.annotation(of: planned.spec)
            if let restored = checkpoints?.restore, !reloadedFresh {
                logger.notice(
                    "resuming from \(restored.epoch)",
                    metadata: ["pipeline": "\(planned.spec.name)", "epoch": "\(restored.epoch.value)"])
            }
            let name = planned.spec.name
            let metrics = metrics
            options.onCheckpointSaved = { metrics.recordCheckpoint(pipeline: name, $0) }
            return try Job(planned.dataflow, options: options)
        } catch {
            logger.error("cannot start", metadata: ["pipeline": "\(planned.spec.name)", "error": "\(error)"])
            if resuming {
                logger.notice(
                    "note: the stored state did not fit this pipeline; --fresh starts it afresh (the views are kept)",
                    metadata: ["pipeline": "\(planned.spec.name)"])
            }
            throw ExitCode(1)
        }
    }
}
