import ArgumentParser
import Dispatch
import Foundation
import Logging
import SluiceOps
import SluicePipeline
import SluiceRuntime
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reloads `sluice run`'s pipeline files on SIGHUP and when a file in its paths changes
/// (polled once a second: the text is compared, so a touch alone reloads nothing).
///
/// Per changed file: a file with errors is rejected (each `file:line:column` error
/// logged) and the running version keeps running. A changed pipeline whose keyed state
/// still fits (`StateCompatibility`) replaces the running job at an epoch boundary: the
/// old job stops with a final checkpoint and the new one restores it, so counts continue.
/// One whose state does not fit is refused with the reasons, unless the file says
/// `on_incompatible_change: start_fresh`. A new file starts its pipeline; a deleted file
/// stops its pipeline as a shutdown of that one job would (stop reading, drain, final
/// checkpoint, acknowledge) and takes it off the endpoints and metrics. Reloads run one
/// at a time on their own queue; none starts once the run is stopping.
final class PipelineReloader: Sendable {
    /// Builds a job for a planned pipeline; `fresh` ignores its stored checkpoint.
    typealias MakeJob = @Sendable (PlannedPipeline, _ fresh: Bool) throws -> Job

    private struct Known {
        /// Each file's text as last seen (loaded or rejected).
        var texts: [String: String] = [:]
        /// The running version of each pipeline, by name.
        var specs: [String: PipelineSpec] = [:]
        /// The pipeline each file last defined (without errors), by file.
        var names: [String: String] = [:]
    }

    private let paths: [String]
    private let planner: PipelinePlanner
    private let group: JobGroup
    /// The per-queue jobs of pipelines over partitioned RabbitMQ queues (nil: none at start).
    private let queueJobs: PartitionQueueJobs?
    private let ops: OpsServer?
    private let metrics: OpsMetrics
    private let makeJob: MakeJob
    private let logger: Logger
    private let known = Mutex(Known())
    private let queue = DispatchQueue(label: "sluice.reload")

    init(
        paths: [String], running: [PlannedPipeline], planner: PipelinePlanner, group: JobGroup,
        queueJobs: PartitionQueueJobs?, ops: OpsServer?, metrics: OpsMetrics, logger: Logger, makeJob: @escaping MakeJob
    ) {
        self.queueJobs = queueJobs
        self.paths = paths
        self.planner = planner
        self.group = group
        self.ops = ops
        self.metrics = metrics
        self.logger = logger
        self.makeJob = makeJob
        let files = Self.files(paths)
        known.withLock { known in
            for file in files {
                let text = try? String(contentsOfFile: file, encoding: .utf8)
                known.texts[file] = text
                if let text, let name = PipelineLoader().load(text: text, path: file).spec?.name { known.names[file] = name }
            }
            for planned in running { known.specs[planned.spec.name] = planned.spec }
        }
    }

    /// Starts the SIGHUP handler and the file poll; keep the returned sources referenced.
    /// Stops reloading and waits for a pass in progress: when the run ends because that
    /// pass stopped its last pipeline (a deleted file), its report must still be written
    /// before the process exits (it was lost when the queue jobs stopped fast).
    func finish(_ sources: [any DispatchSourceProtocol]) {
        for source in sources { source.cancel() }
        queue.sync {}
    }

    func start(pollEvery interval: DispatchTimeInterval = .seconds(1)) -> [any DispatchSourceProtocol] {
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler { [self] in
            logger.notice("reloading: SIGHUP", metadata: ["signal": "SIGHUP"])
            reload()
        }
        hangup.resume()
        let poll = DispatchSource.makeTimerSource(queue: queue)
        poll.schedule(deadline: .now() + interval, repeating: interval)
        poll.setEventHandler { [self] in reload() }
        poll.resume()
        return [hangup, poll]
    }

    /// Pipeline files under `paths` now (a path that vanished is skipped, not fatal).
    private static func files(_ paths: [String]) -> [String] {
        paths.flatMap { (try? PipelineLoader.pipelineFiles(at: $0)) ?? [] }
    }

    /// Looks at every file once and acts on those whose text changed, then stops the
    /// pipelines no file defines any more (on `queue`).
    func reload() {
        guard !group.isStopping else { return }
        let files = Self.files(paths)
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let changed = known.withLock { known -> Bool in
                guard known.texts[file] != text else { return false }
                known.texts[file] = text
                return true
            }
            if changed { apply(file: file, text: text) }
        }
        stopDeleted(present: Set(files))
    }

    /// A pipeline whose file is gone (and that no other file now defines: a renamed file
    /// is not a deleted pipeline) is drained like a shutdown of that one job and leaves
    /// the endpoints and metrics.
    private func stopDeleted(present: Set<String>) {
        let orphans = known.withLock { known -> [(name: String, file: String)] in
            let gone = known.texts.keys.filter { !present.contains($0) }
            for file in gone { known.texts[file] = nil }
            let defined = Set(known.names.filter { present.contains($0.key) }.values)
            var orphans: [(name: String, file: String)] = []
            for file in gone {
                if let name = known.names.removeValue(forKey: file), !defined.contains(name), known.specs[name] != nil {
                    orphans.append((name, file))
                }
            }
            return orphans
        }
        for (name, file) in orphans {
            let meta: Logger.Metadata = ["pipeline": "\(name)", "file": "\(file)"]
            guard !group.isStopping else { return }
            if let queueJobs, !queueJobs.jobNames(of: name).isEmpty {
                stopQueueJobs(of: name, queueJobs, meta: meta)
                continue
            }
            guard let result = group.remove(name) else {
                // Ended by itself already (a bounded input); nothing runs to stop.
                known.withLock { $0.specs[name] = nil }
                continue
            }
            known.withLock { $0.specs[name] = nil }
            ops?.state.remove(name)
            metrics.remove(pipeline: name)
            switch result {
            case .success(let summary):
                logger.notice(
                    "pipeline stopped: its file was deleted; it stopped reading, drained and committed its last epoch (\(summary.eventsIn) events read)",
                    metadata: meta.merging(["events": "\(summary.eventsIn)", "epochs": "\(summary.epochsCommitted)"]) { a, _ in a })
            case .failure(let error):
                logger.error("pipeline stopped: its file was deleted; its last run failed: \(error)", metadata: meta)
            }
        }
    }

    /// A deleted pipeline over partitioned queues: every queue's job drains with a final
    /// checkpoint of its queue and leaves the endpoints.
    private func stopQueueJobs(of name: String, _ queueJobs: PartitionQueueJobs, meta: Logger.Metadata) {
        let names = queueJobs.jobNames(of: name)
        do {
            guard try queueJobs.replace(name, with: nil, planner: planner) else { return }
        } catch {
            logger.error("could not stop the pipeline whose file was deleted: \(error)", metadata: meta)
            return
        }
        known.withLock { $0.specs[name] = nil }
        for job in names {
            ops?.state.remove(job)
            metrics.remove(pipeline: job)
        }
        logger.notice(
            "pipeline stopped: its file was deleted; each of its \(names.count) queue jobs stopped reading, drained and committed its last epoch",
            metadata: meta)
    }

    /// A changed pipeline over partitioned RabbitMQ queues: with the same state check as
    /// any pipeline, every queue's job is replaced (`PartitionQueueJobs.replace`).
    private func applyQueuePipeline(_ spec: PipelineSpec, _ planned: PlannedPipeline, meta: Logger.Metadata) {
        guard let queueJobs, let old = known.withLock({ $0.specs[spec.name] }), !queueJobs.jobNames(of: spec.name).isEmpty else {
            logger.warning(
                "reload skipped: a new pipeline over partitioned RabbitMQ queues starts on restart", metadata: meta)
            return
        }
        let problems = StateCompatibility.problems(old: old, new: spec)
        if !problems.isEmpty {
            let fresh = spec.startFreshOnIncompatibleChange
                ? " (on_incompatible_change: start_fresh is not supported over partitioned queues: each queue's checkpoint would restart its epochs; restart with --fresh)"
                : " (on_incompatible_change: start_fresh starts it afresh, except over partitioned queues)"
            logger.error(
                "reload refused: the new version's state does not fit the running one's: \(problems.joined(separator: "; ")); the running version keeps running\(fresh)",
                metadata: meta)
            return
        }
        let names = queueJobs.jobNames(of: spec.name)
        do {
            guard try queueJobs.replace(spec.name, with: planned, planner: planner) else {
                logger.warning("reload skipped: the run is stopping", metadata: meta)
                return
            }
        } catch {
            logger.error("reload rejected: \(error); the running version keeps running", metadata: meta)
            return
        }
        known.withLock { $0.specs[spec.name] = spec }
        // Each queue's new job counts from 0; it joins the endpoints when its queue is active again.
        for job in names { metrics.forget(pipeline: job) }
        logger.notice(
            "reloaded: the state fits; each of the \(names.count) queue jobs continues from its queue's final checkpoint",
            metadata: meta)
    }

    private func apply(file: String, text: String) {
        let load = PipelineLoader().load(text: text, path: file)
        if let name = load.spec?.name { known.withLock { $0.names[file] = name } }
        guard let spec = load.spec else {
            for line in load.rendered.split(separator: "\n") where line.contains(": error:") {
                logger.error("\(line)", metadata: ["file": "\(file)"])
            }
            logger.error("reload rejected: \(file) has errors; the running version keeps running", metadata: ["file": "\(file)"])
            return
        }
        let meta: Logger.Metadata = ["pipeline": "\(spec.name)", "file": "\(file)"]
        guard spec.schedule == nil else {
            logger.warning("reload skipped: scheduled pipelines change on restart", metadata: meta)
            return
        }
        let planned: PlannedPipeline
        do {
            planned = try planner.plan(spec)
        } catch {
            logger.error("reload rejected: \(error); the running version keeps running", metadata: meta)
            return
        }
        // Their jobs are per queue (`PartitionQueueJobs`), started as the broker hands out
        // queues; they are not in the job group.
        guard !PartitionQueueJobs.handles(planned) else {
            applyQueuePipeline(spec, planned, meta: meta)
            return
        }
        guard let old = known.withLock({ $0.specs[spec.name] }) else {
            start(planned, meta: meta)
            return
        }
        let problems = StateCompatibility.problems(old: old, new: spec)
        if !problems.isEmpty && !spec.startFreshOnIncompatibleChange {
            logger.error(
                "reload refused: the new version's state does not fit the running one's: \(problems.joined(separator: "; ")); the running version keeps running (on_incompatible_change: start_fresh starts it afresh)",
                metadata: meta)
            return
        }
        let fresh = !problems.isEmpty
        let planner = planner
        let makeJob = makeJob
        guard
            let (running, error) = group.replace(
                spec.name, with: { try makeJob(planned, fresh) }, fallback: { try makeJob(try planner.plan(old), false) })
        else {
            logger.warning("reload skipped: the pipeline is not running (ended, or the run is stopping)", metadata: meta)
            return
        }
        if let running { publish(spec.name, running, planned: error == nil ? planned : nil) }
        if let error {
            // A job that cannot start has logged why (`JobSettings.makeJob`).
            let why = error is ExitCode ? "the new version could not start (see above)" : "\(error)"
            logger.error(
                "reload failed: \(why); \(running == nil ? "the pipeline is stopped" : "the previous version runs again from its last checkpoint")",
                metadata: meta)
            return
        }
        known.withLock { $0.specs[spec.name] = spec }
        if fresh {
            logger.notice(
                "reloaded with fresh state (on_incompatible_change: start_fresh): \(problems.joined(separator: "; "))", metadata: meta)
        } else {
            logger.notice("reloaded: the state fits; the new version continues from the final checkpoint", metadata: meta)
        }
    }

    /// A pipeline no running job has: start it.
    private func start(_ planned: PlannedPipeline, meta: Logger.Metadata) {
        do {
            let job = try makeJob(planned, false)
            guard group.add(planned.spec.name, job) else { return }
            known.withLock { $0.specs[planned.spec.name] = planned.spec }
            publish(planned.spec.name, job, planned: planned)
            Operations.logStart(planned, job: job, logger: logger)
            logger.notice("reload started a new pipeline", metadata: meta)
        } catch {
            logger.error("reload could not start the new pipeline: \(error)", metadata: meta)
        }
    }

    /// Points the endpoints and metrics at the job now running `name`.
    private func publish(_ name: String, _ job: Job, planned: PlannedPipeline?) {
        metrics.forget(pipeline: name)
        guard let ops else { return }
        let graph = planned.map(Run.graph) ?? ops.state.pipeline(named: name)?.graph ?? []
        ops.state.put(OpsState.Pipeline(name: name, job: job, graph: graph))
    }
}
