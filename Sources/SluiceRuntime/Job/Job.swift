public import SluiceCore
import Dispatch
import Foundation
import SluiceOperators
import Synchronization

/// Runs a dataflow: bounded inputs to completion, unbounded ones until `stop()`.
///
/// Partition `p` runs on worker queue `p % workers`; each source split reads on its own
/// thread; each sink commits on its own queue. `run()` blocks until the job ends.
public final class Job: @unchecked Sendable {
    // `runtime` is created in init and only read afterwards.
    public let dataflow: Dataflow
    public let options: RunOptions
    // Internal (not private) so tests can reach the executors, e.g. to block a partition queue.
    let runtime: JobRuntime
    private let drivers: [SplitDriver]
    private let hasRun = Atomic<Bool>(false)

    public init(_ dataflow: Dataflow, options: RunOptions = RunOptions()) throws {
        self.dataflow = dataflow
        self.options = options
        let plan = try PhysicalPlan(dataflow, partitions: options.partitions)
        let restore = options.restoreFrom
        if let restore, restore.partitions != options.partitions {
            throw SluiceError(
                .invalidArgument,
                "checkpoint \(restore.epoch) has \(restore.partitions) partitions; run with --partitions \(restore.partitions)")
        }
        var restoredPositions = [SourcePosition?](repeating: nil, count: plan.totalSplits)
        var restoredMaxTimes = [EventTime?](repeating: nil, count: plan.totalSplits)
        for source in plan.sources {
            for split in 0..<source.source.splitCount {
                restoredPositions[source.firstSplitChannel + split] = restore?.positions.first {
                    $0.source == source.source.name && $0.split == split
                }
                restoredMaxTimes[source.firstSplitChannel + split] = restore?.maxEventTime(
                    source: source.source.name, split: split)
            }
        }
        let startEpoch = try Self.startEpoch(plan: plan, restoring: restore)
        let runtime = JobRuntime(
            plan: plan, options: options, pipeline: dataflow.name, startEpoch: startEpoch,
            restoredPositions: restoredPositions, restoredMaxTimes: restoredMaxTimes)
        self.runtime = runtime
        let workers = (0..<options.workers).map { DispatchQueue(label: "sluice.worker.\($0)", qos: .userInitiated) }
        runtime.partitions = (0..<plan.partitions).map {
            PartitionExecutor(index: $0, queue: workers[$0 % workers.count], job: runtime, capacity: options.inboxCapacity)
        }
        for partition in runtime.partitions { try partition.instantiate(plan, restoring: restore) }
        runtime.sinks = plan.sinks.enumerated().map { i, sink in
            SinkExecutor(index: i, name: sink.name, target: .rows(sink.sink, mode: sink.mode), channels: plan.partitions, job: runtime)
        }
        runtime.deadLetter = SinkExecutor(
            index: plan.sinks.count, name: "dead-letter", target: .rejections(options.deadLetter),
            channels: plan.totalSplits + plan.partitions, job: runtime)
        if plan.vertices.isEmpty {
            // No operator can reject anything: the partitions' channels are closed from the start.
            for p in 0..<plan.partitions { runtime.deadLetter.send(channel: plan.totalSplits + p, .end) }
        }
        for (i, sink) in plan.sinks.enumerated() { try runtime.sinks[i].open(schema: sink.schema) }
        var drivers: [SplitDriver] = []
        for (s, source) in plan.sources.enumerated() {
            var alignment: SplitAlignment?
            if let drift = options.maxSplitDriftMillis, let eventTime = source.eventTime, source.source.splitCount > 1,
                source.source.isBounded || eventTime.idleTimeoutMillis != nil
            {
                alignment = SplitAlignment(splits: source.source.splitCount, maxDriftMillis: drift)
            }
            for split in 0..<source.source.splitCount {
                let driver = SplitDriver(
                    job: runtime, sourceIndex: s, split: split, plan: source, alignment: alignment,
                    startEpoch: startEpoch)
                try driver.open(
                    resumingAfter: restoredPositions[source.firstSplitChannel + split],
                    maxEventTime: restoredMaxTimes[source.firstSplitChannel + split])
                drivers.append(driver)
            }
        }
        self.drivers = drivers
    }

    /// Epochs continue after the restored checkpoint and after every epoch a sink has
    /// recorded, so epoch numbers only increase across runs of the same views.
    private static func startEpoch(plan: PhysicalPlan, restoring checkpoint: Checkpoint?) throws -> UInt64 {
        var start = checkpoint?.epoch.value ?? 0
        for sink in plan.sinks {
            guard let recording = sink.sink as? any EpochRecordingSink else { continue }
            if let last = try recording.lastCommittedEpoch() { start = max(start, last.value) }
        }
        return start
    }

    /// Runs until every bounded input ended (or `stop()`/`abort()`), then reports.
    /// - Throws: the first source, sink or checkpoint failure.
    public func run() throws -> RunSummary {
        guard !hasRun.exchange(true, ordering: .relaxed) else {
            throw SluiceError(.invalidArgument, "a job runs once; build a new Job to run the dataflow again")
        }
        let started = ContinuousClock.now
        let timerQueue = DispatchQueue(label: "sluice.timers")
        var timers: [any DispatchSourceTimer] = []
        if options.epochEveryBatches == nil, let interval = options.epochIntervalMillis {
            timers.append(Self.timer(every: interval, on: timerQueue) { [runtime] in runtime.requestEpoch() })
        }
        timers.append(
            Self.timer(every: options.tickIntervalMillis, on: timerQueue) { [runtime] in
                let now = runtime.options.timeSource.nowMillis()
                for partition in runtime.partitions { partition.send(.tick(nowMillis: now)) }
            })
        for driver in drivers {
            let thread = Thread { driver.run() }
            thread.name = "sluice.source.\(driver.globalSplit)"
            thread.start()
        }
        runtime.waitUntilDone()
        for timer in timers { timer.cancel() }
        for driver in drivers { driver.finished.wait() }
        for partition in runtime.partitions { partition.queue.sync {} }
        for sink in runtime.sinks { sink.settle() }
        runtime.deadLetter.settle()
        // Saves run on their own queue: none may land after this run returns (a restart
        // reads the store next).
        runtime.closeCompletion()
        var summary = RunSummary()
        let elapsed = ContinuousClock.now - started
        summary.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        summary.eventsIn = runtime.eventsIn.load(ordering: .relaxed)
        summary.rejected = runtime.rejected.load(ordering: .relaxed)
        for partition in runtime.partitions {
            let counters = partition.queue.sync {
                partition.publish()
                return partition.counters()
            }
            for c in counters {
                summary.late += c.late
                summary.lateUpdates += c.lateUpdates
                summary.duplicates += c.duplicates
            }
        }
        var closeFailure: (any Error)?
        for sink in runtime.sinks {
            summary.rowsOut[sink.name, default: 0] += sink.rowsWritten
            if let error = sink.close(), closeFailure == nil {
                closeFailure = SluiceError(.sinkFailed, "sink '\(sink.name)' failed to close: \(error)")
            }
        }
        summary.sampleRejections = runtime.deadLetter.sampleRejections
        if let error = runtime.deadLetter.close(), closeFailure == nil {
            closeFailure = SluiceError(.sinkFailed, "the dead-letter sink failed to close: \(error)")
        }
        summary.epochsCommitted = runtime.epochsCompleted
        summary.outcome = runtime.isAborted ? .aborted : (runtime.stopRequested ? .stopped : .completed)
        if let error = runtime.error { throw error }
        if let closeFailure { throw closeFailure }
        return summary
    }

    /// Graceful stop: sources stop reading, a last epoch is committed, `run()` returns.
    public func stop() { runtime.requestStop() }

    /// Ends the job at once as a crash would: nothing more is committed or acknowledged.
    public func abort() { runtime.abort() }

    /// Events read so far (for status lines).
    public var eventsRead: Int64 { runtime.eventsIn.load(ordering: .relaxed) }
    /// Records rejected so far.
    public var eventsRejected: Int64 { runtime.rejected.load(ordering: .relaxed) }
    /// Fraction of bounded input read, when known.
    public var progress: Double? { runtime.progress }

    /// Counters, watermark and progress so far; safe to read from any thread while the
    /// job runs.
    public var status: JobStatus {
        var status = JobStatus()
        status.eventsRead = eventsRead
        status.rejected = eventsRejected
        var perVertex = [OperatorCounters](repeating: OperatorCounters(), count: runtime.plan.vertices.count)
        for partition in runtime.partitions {
            let part = partition.status
            status.late += part.counters.late
            status.lateUpdates += part.counters.lateUpdates
            status.duplicates += part.counters.duplicates
            if let w = part.watermark { status.watermark = min(status.watermark ?? w, w) }
            for (v, counters) in part.vertexCounters.enumerated() where v < perVertex.count { perVertex[v] += counters }
            status.partitions.append(
                PartitionReport(
                    index: partition.index, watermark: part.watermark, counters: part.counters,
                    inboxDepth: partition.inboxDepth))
        }
        status.operators = zip(runtime.plan.vertices, perVertex).map { OperatorReport(name: $0.name, counters: $1) }
        status.sinks = (runtime.sinks + [runtime.deadLetter]).map {
            SinkReport(name: $0.name, rowsWritten: $0.rowsWritten, backlog: $0.backlog.load(ordering: .relaxed))
        }
        status.splits = runtime.splitReports
        status.epochsCommitted = runtime.epochsCompleted
        status.lastEpoch = runtime.lastCompletedEpoch
        status.lastCheckpoint = runtime.lastCheckpoint
        status.stopping = runtime.stopRequested
        status.progress = progress
        return status
    }

    /// Liveness: asks every partition's queue to answer and waits up to `timeout` in all.
    /// Returns the partitions that did not answer in time (empty: all responsive). The
    /// ping waits behind whatever the queue is doing, so a stuck operator shows here.
    public func unresponsivePartitions(within timeout: Duration) -> [Int] {
        let answered = runtime.partitions.map { partition in
            let done = DispatchSemaphore(value: 0)
            partition.queue.async { done.signal() }
            return done
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        return answered.enumerated().compactMap { index, done in done.wait(timeout: deadline) == .timedOut ? index : nil }
    }

    /// Every partition's vertices' watermarks and their input channels', read on each
    /// partition's own queue (a read-only query behind queued work; nothing is locked on
    /// the event path). A partition that does not answer within `timeout` is left out.
    public func watermarkProgress(within timeout: Duration = .seconds(2)) -> [PartitionProgress] {
        let answers = runtime.partitions.map { partition in
            let answer = ProgressAnswer()
            partition.queue.async {
                answer.value = partition.watermarkProgress()
                answer.done.signal()
            }
            return answer
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        // The semaphore orders the queue's write before this read; a late answer is never read.
        return answers.compactMap { $0.done.wait(timeout: deadline) == .timedOut ? nil : $0.value }
    }

    /// What every partition's keyed vertices hold for one key (`values`: text per key
    /// column, in order), with each vertex's watermark and channels — the "why has this
    /// window not fired" query. Read on each partition's queue like `watermarkProgress`;
    /// the look-up never interns the key or inserts it. Partitions that do not answer
    /// within `timeout` are left out.
    public func keyState(_ values: [String], within timeout: Duration = .seconds(2)) -> [PartitionKeyState] {
        let answers = runtime.partitions.map { partition in
            let answer = QueryAnswer<PartitionKeyState>()
            partition.queue.async {
                answer.value = partition.keyState(for: values)
                answer.done.signal()
            }
            return answer
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        return answers.compactMap { $0.done.wait(timeout: deadline) == .timedOut ? nil : $0.value }
    }

    /// Readiness of the connectors that can tell (`HealthReporting`): the sinks and the
    /// checkpoint store, each reported once.
    public var connectorHealth: [ConnectorHealth] {
        var reports: [ConnectorHealth] = []
        var candidates: [any Sendable] = dataflow.sinks.map { $0 as any Sendable }
        if let store = options.checkpointStore { candidates.append(store) }
        for candidate in candidates {
            guard let reporting = candidate as? any HealthReporting else { continue }
            let health = reporting.health
            // Several views share one commit group: report it once.
            if !reports.contains(where: { $0.name == health.name }) { reports.append(health) }
        }
        return reports
    }

    private static func timer(
        every millis: Int64, on queue: DispatchQueue, _ handler: @escaping @Sendable () -> Void
    ) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(Int(max(1, millis)))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler(handler: handler)
        timer.resume()
        return timer
    }
}

/// One partition's answer to `watermarkProgress`: written on its queue before `done`
/// is signalled, read only after waiting for it.
private final class ProgressAnswer: @unchecked Sendable {
    var value: PartitionProgress?
    let done = DispatchSemaphore(value: 0)
}

/// A query's answer from a partition's queue, under the same rule as `ProgressAnswer`.
private final class QueryAnswer<Value>: @unchecked Sendable {
    var value: Value?
    let done = DispatchSemaphore(value: 0)
}
