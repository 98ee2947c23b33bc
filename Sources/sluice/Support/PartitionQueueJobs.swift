import Foundation
import Logging
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Synchronization

/// `sluice run` of pipelines that read a partitioned RabbitMQ topology: one job per
/// partition queue, and the state follows the queue.
///
/// For each queue a thread subscribes (single-active-consumer) and waits until the broker
/// makes it the active consumer (`AMQPQueueLease`). Only then does it claim `PIPELINE#QUEUE`
/// in the checkpoint store (from then on a save by the queue's previous owner is refused),
/// restore that queue's newest checkpoint (operator and de-duplication state) and start
/// the job on the very connection that became active. Deliveries the previous owner had
/// applied but not acknowledged come back; the restored de-duplication state recognises
/// them by id. A job whose save is refused (another process claimed its queue) ends with
/// that error, logged as a lost queue; the other queues' jobs go on.
final class PartitionQueueJobs: Sendable {
    /// What every per-queue job is built with (`sluice run`'s options).
    struct Settings: Sendable {
        var workers: Int?
        var partitions: Int?
        var epochIntervalMillis: Int64?
        var fresh: Bool
        var onCheckpointSaved: @Sendable (_ pipeline: String, CheckpointReport) -> Void
        /// What the endpoints are told: a queue's job waits for the queue, runs, or ended.
        var events: Events = Events()
    }

    /// Hooks for the endpoints (`sluice run --http`); each names the job `PIPELINE#QUEUE`.
    struct Events: Sendable {
        var waiting: @Sendable (_ job: String, _ queue: String) -> Void = { _, _ in }
        var active: @Sendable (_ job: String, _ queue: String, PlannedPipeline, Job) -> Void = { _, _, _, _ in }
        var ended: @Sendable (_ job: String, _ queue: String, Result<RunSummary, any Error>?) -> Void = { _, _, _ in }
    }

    struct QueueJob: Sendable {
        /// The pipeline's own name (the job's is `PIPELINE#QUEUE`).
        var pipeline: String
        var queue: String
        var planned: PlannedPipeline
        var source: AMQPSource
    }

    /// The queues' jobs of the versions now running (a reload swaps one pipeline's).
    private let queueJobs: Mutex<[QueueJob]>
    /// Pipelines whose queue jobs a reload is stopping: their ends are the reload's business.
    private let retiring = Mutex<Set<String>>([])
    /// Per job name, signalled when its thread has ended (what `replace` waits for).
    private let done = Mutex<[String: DispatchSemaphore]>([:])
    private let settings: Settings
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let running = Mutex<[String: Job]>([:])
    private let outcomes = Mutex<[JobGroup.Outcome]>([])
    private let finished = DispatchGroup()
    /// Held from the claim until the job's sinks are open: queues activated at the same
    /// moment would otherwise create the same schema, tables and views concurrently, and
    /// PostgreSQL's `CREATE … IF NOT EXISTS` fails one of two racing creators (23505).
    private let activation = Mutex(())

    /// The pipelines of `planned` that read a partitioned topology, planned once per queue
    /// (nil when there are none).
    static func plan(
        _ planned: [PlannedPipeline], planner: PipelinePlanner, settings: Settings, logger: Logger
    ) throws -> PartitionQueueJobs? {
        let jobs = try planned.flatMap { try queueJobs(of: $0, planner: planner) }
        return jobs.isEmpty ? nil : PartitionQueueJobs(jobs, settings: settings, logger: logger)
    }

    /// `pipeline` planned once per queue of its topology (none when it reads no partitioned topology).
    static func queueJobs(of pipeline: PlannedPipeline, planner: PipelinePlanner) throws -> [QueueJob] {
        guard let specs = try pipeline.spec.partitionQueueSpecs() else { return [] }
        return try specs.map { queueSpec in
            let queuePlanned = try planner.plan(queueSpec.spec)
            guard let source = queuePlanned.dataflow.sources.first as? AMQPSource else {
                throw SluiceError(.invalidArgument, "\(queueSpec.spec.name): the source is not a RabbitMQ queue")
            }
            return QueueJob(pipeline: pipeline.spec.name, queue: queueSpec.queue, planned: queuePlanned, source: source)
        }
    }

    /// True when `planned` runs here, not as one job of its own.
    static func handles(_ planned: PlannedPipeline) -> Bool {
        (try? planned.spec.partitionQueueSpecs()) != nil
    }

    private init(_ jobs: [QueueJob], settings: Settings, logger: Logger) {
        queueJobs = Mutex(jobs)
        self.settings = settings
        self.logger = logger
    }

    /// Starts one thread per queue; returns at once.
    func start() {
        for queueJob in queueJobs.withLock({ $0 }) { launch(queueJob) }
    }

    private func launch(_ queueJob: QueueJob) {
        finished.enter()
        let signal = DispatchSemaphore(value: 0)
        done.withLock { $0[queueJob.planned.spec.name] = signal }
        let thread = Thread { [self] in
            defer {
                signal.signal()
                finished.leave()
            }
            settings.events.waiting(queueJob.planned.spec.name, queueJob.queue)
            let result = Result { try run(queueJob) }
            if retiring.withLock({ $0.contains(queueJob.pipeline) }) {
                logger.info(
                    "the replaced version stopped on queue \(queueJob.queue)",
                    metadata: ["pipeline": "\(queueJob.planned.spec.name)", "queue": "\(queueJob.queue)"])
                return
            }
            if case .success(.notActive(let why)) = result {
                settings.events.ended(queueJob.planned.spec.name, queueJob.queue, nil)
                logger.notice("\(why)", metadata: ["pipeline": "\(queueJob.planned.spec.name)"])
                return
            }
            let outcome = JobGroup.Outcome(
                name: queueJob.planned.spec.name,
                result: result.map { if case .ran(let summary) = $0 { summary } else { preconditionFailure("handled above") } })
            settings.events.ended(queueJob.planned.spec.name, queueJob.queue, outcome.result)
            outcomes.withLock { $0.append(outcome) }
            Operations.logEnd(outcome, logger: logger)
        }
        thread.name = "sluice.queue.\(queueJob.queue)"
        thread.start()
    }

    /// Reload: stops every queue job of `pipeline` gracefully (each stops reading, drains,
    /// saves a final checkpoint of its queue and acknowledges), waits for them, then starts
    /// `replacement`'s, which wait for their queues again and restore those checkpoints
    /// (nil: the pipeline's file was deleted, nothing starts). The replacement is planned
    /// first: when that fails nothing is stopped and the error is thrown. While a queue's
    /// consumer is between versions the broker may give the queue to another process
    /// waiting on it; its checkpoint goes with it. False once the run is stopping.
    func replace(_ pipeline: String, with replacement: PlannedPipeline?, planner: PipelinePlanner) throws -> Bool {
        let next = try replacement.map { try Self.queueJobs(of: $0, planner: planner) } ?? []
        guard !stopping.load(ordering: .relaxed) else { return false }
        // Holds `wait` open between the old versions' ends and the new ones' starts.
        finished.enter()
        defer { finished.leave() }
        retiring.withLock { _ = $0.insert(pipeline) }
        let names = queueJobs.withLock { $0.filter { $0.pipeline == pipeline }.map(\.planned.spec.name) }
        for name in names { running.withLock { $0[name] }?.stop() }
        for name in names { done.withLock { $0[name] }?.wait() }
        running.withLock { for name in names { $0[name] = nil } }
        queueJobs.withLock { list in
            list.removeAll { $0.pipeline == pipeline }
            list += next
        }
        retiring.withLock { _ = $0.remove(pipeline) }
        for queueJob in next { launch(queueJob) }
        return true
    }

    /// The job names (`PIPELINE#QUEUE`) of `pipeline`'s queues.
    func jobNames(of pipeline: String) -> [String] {
        queueJobs.withLock { $0.filter { $0.pipeline == pipeline }.map(\.planned.spec.name) }
    }

    /// Stops the running jobs gracefully and ends the waits for queues (idempotent).
    func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        for job in running.withLock({ Array($0.values) }) { job.stop() }
    }

    /// The queues' jobs running now (for the status line).
    var activeJobs: [Job] { running.withLock { Array($0.values) } }

    /// Waits for every queue's thread; outcomes in queue order (none for a queue that was
    /// never active in this process).
    func wait() -> [JobGroup.Outcome] {
        finished.wait()
        let names = queueJobs.withLock { $0.map(\.planned.spec.name) }
        // A deleted pipeline's jobs are no longer listed: theirs sort last.
        return outcomes.withLock { $0 }.sorted { (names.firstIndex(of: $0.name) ?? .max) < (names.firstIndex(of: $1.name) ?? .max) }
    }

    private enum QueueOutcome {
        case ran(RunSummary)
        /// The queue never became active in this process, and why.
        case notActive(String)
    }

    private func run(_ queueJob: QueueJob) throws -> QueueOutcome {
        let name = queueJob.planned.spec.name
        let lease = AMQPQueueLease(queue: queueJob.queue, options: queueJob.source.options)
        let isStopping = { [self] in
            stopping.load(ordering: .relaxed) || retiring.withLock { $0.contains(queueJob.pipeline) }
        }
        switch try lease.waitUntilActive(isStopping: isStopping) {
        case .stopped: return .notActive("stopped before queue \(queueJob.queue) became active here")
        case .ended: return .notActive("queue \(queueJob.queue) ended empty without becoming active here")
        case .active: break
        }
        let job = try activation.withLock { _ in try makeJob(queueJob, lease: lease) }
        running.withLock { $0[name] = job }
        settings.events.active(name, queueJob.queue, queueJob.planned, job)
        if isStopping() { job.stop() }
        do {
            return .ran(try job.run())
        } catch let error as SluiceError where error.code == .fenced {
            logger.error(
                "lost queue \(queueJob.queue): another worker claimed it; this queue's job stops, the others go on",
                metadata: ["pipeline": "\(name)", "queue": "\(queueJob.queue)"])
            throw error
        }
    }

    /// Claims and restores the queue's checkpoint and builds its job on the lease's connection.
    private func makeJob(_ queueJob: QueueJob, lease: AMQPQueueLease) throws -> Job {
        let name = queueJob.planned.spec.name
        // Claimed before the checkpoint is read (`Checkpointing.plan`), so it is the last
        // one the queue's previous owner could save.
        let checkpoints = try Checkpointing.plan(queueJob.planned, fresh: settings.fresh)
        try CheckpointSources.verify(checkpoints?.restore, for: queueJob.planned.spec)
        let resuming = checkpoints?.restore.map { ", resuming from \($0.epoch)" } ?? ""
        logger.notice(
            "active on queue \(queueJob.queue)\(resuming)",
            metadata: ["pipeline": "\(name)", "queue": "\(queueJob.queue)"])
        var options = RunOptions(
            workers: settings.workers,
            partitions: settings.partitions ?? checkpoints?.restore?.partitions ?? queueJob.planned.spec.partitions
                ?? settings.workers)
        options.deadLetter = queueJob.planned.deadLetter
        if let interval = settings.epochIntervalMillis { options.epochIntervalMillis = interval }
        options.checkpointStore = checkpoints?.store
        options.restoreFrom = checkpoints?.restore
        options.checkpointAnnotations = CheckpointSources.annotation(of: queueJob.planned.spec)
        let report = settings.onCheckpointSaved
        options.onCheckpointSaved = { report(name, $0) }
        queueJob.source.adopt(lease)
        return try Job(queueJob.planned.dataflow, options: options)
    }
}
