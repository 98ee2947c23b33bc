import Dispatch
import SluiceCore
import Synchronization

/// The shared state of one running job: executors, epoch bookkeeping, flags.
///
/// Split threads, partition queues and sink queues call into it; everything mutable is
/// behind a `Mutex` or `Atomic`, and the executor arrays are set once before any thread
/// starts.
final class JobRuntime: @unchecked Sendable {
    let plan: PhysicalPlan
    let options: RunOptions
    let pipeline: String
    let partitionCount: Int
    let snapshotsEnabled: Bool
    // Set once in `Job.run` before the first message; read-only afterwards.
    var partitions: [PartitionExecutor] = []
    var sinks: [SinkExecutor] = []
    var deadLetter: SinkExecutor!

    private let aborted = Atomic<Bool>(false)
    private let stopFlag = Atomic<Bool>(false)
    private let requestedEpoch = Atomic<UInt64>(0)
    private let maxInjected = Atomic<UInt64>(0)
    /// The newest epoch completed (durable everywhere), for `wantsEpoch`.
    private let completedEpoch = Atomic<UInt64>(0)
    /// When the pending-epoch bound began holding back a requested epoch (ms, time source),
    /// or 0 while it holds nothing back.
    private let epochHeldSince = Atomic<Int64>(0)
    let eventsIn = Atomic<Int64>(0)
    let rejected = Atomic<Int64>(0)
    private let failure = Mutex<SluiceError?>(nil)
    private let book: Mutex<EpochBook>
    /// Where epochs are completed (checkpoints saved, positions released): one queue, so
    /// saves are in epoch order and never hold up an executor or a sink. `Job.run` drains
    /// it before returning, so no save of a finished (or crashed) run can land after it.
    let completionQueue = DispatchQueue(label: "sluice.job.completion")
    /// A completion is queued and has not started looking yet: reporters need not queue another.
    private let completionQueued = Atomic<Bool>(false)
    /// Set by `closeCompletion`: passes queued after it do nothing.
    private let completionClosed = Atomic<Bool>(false)
    private let doneGroup = DispatchGroup()
    private let doneFlag = Atomic<Bool>(false)
    /// The last checkpoint saved (once per epoch, for status and metrics).
    private let checkpointInfo = Mutex<CheckpointReport?>(nil)

    init(
        plan: PhysicalPlan, options: RunOptions, pipeline: String, startEpoch: UInt64,
        restoredPositions: [SourcePosition?], restoredMaxTimes: [EventTime?]
    ) {
        self.plan = plan
        self.options = options
        self.pipeline = pipeline
        partitionCount = plan.partitions
        snapshotsEnabled = options.checkpointStore != nil
        book = Mutex(
            EpochBook(
                totalSinks: plan.sinks.count + 1, instances: plan.vertices.count * plan.partitions,
                snapshotsEnabled: snapshotsEnabled, restoredPositions: restoredPositions,
                restoredMaxTimes: restoredMaxTimes, lastCompleted: startEpoch))
        maxInjected.store(startEpoch, ordering: .relaxed)
        completedEpoch.store(startEpoch, ordering: .relaxed)
        requestedEpoch.store(startEpoch, ordering: .relaxed)
        doneGroup.enter()
    }

    var isAborted: Bool { aborted.load(ordering: .relaxed) }
    var hasFailed: Bool { failure.withLock { $0 != nil } }
    var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }
    var error: SluiceError? { failure.withLock { $0 } }
    var finalEpoch: Epoch { Epoch(maxInjected.load(ordering: .relaxed) + 1) }
    var epochsCompleted: Int { book.withLock { $0.epochsCompleted } }

    /// True while some sink has more queued batches than the partitions' inbox capacity.
    var sinksBackedUp: Bool {
        let limit = options.inboxCapacity * partitionCount * 4
        return sinks.contains { $0.backlog.load(ordering: .relaxed) > limit }
    }

    /// True while some partition has more exchanged batches queued than a whole inbox of
    /// every split: operator-to-operator exchanges cannot block a worker queue, so the
    /// sources pause instead until the partitions catch up.
    var partitionsBackedUp: Bool {
        let limit = options.inboxCapacity * max(plan.totalSplits, 1) * 2
        return partitions.contains { $0.exchangeBacklog.load(ordering: .relaxed) > limit }
    }

    func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    func requestEpoch() { requestedEpoch.add(1, ordering: .relaxed) }

    /// Asks for the epoch after `injected` now, once every epoch up to `injected` is
    /// complete: a source that waits for acknowledgements must not wait for the clock (see
    /// `SourceReader.awaitsAcknowledgement`), but while an epoch is still committing, the
    /// acknowledgement it brings is what the source waits for, and asking again would only
    /// begin a near-empty epoch per read.
    func requestEpoch(afterCompleting injected: UInt64) {
        guard completedEpoch.load(ordering: .relaxed) >= injected else { return }
        _ = requestedEpoch.max(injected + 1, ordering: .relaxed)
    }

    func abort() {
        aborted.store(true, ordering: .relaxed)
        markDone()
    }

    func fail(_ error: SluiceError) {
        failure.withLock { if $0 == nil { $0 = error } }
        markDone()
    }

    private func markDone() {
        if doneFlag.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            doneGroup.leave()
        }
    }

    func waitUntilDone() { doneGroup.wait() }

    /// Whether a split that has injected barriers up to `injected` should inject the next.
    ///
    /// On the clock, a split may always catch up to the newest epoch another split began,
    /// but a new epoch begins only while fewer than `maxPendingEpochs` are incomplete:
    /// each pending epoch holds every operator's snapshot and the sinks' prepared rows, so
    /// a store slower than the epoch interval would otherwise grow memory without bound.
    /// Epochs are then simply longer, and the views less fresh, until the store catches up.
    func wantsEpoch(after injected: UInt64, batchesSinceEpoch: Int) -> Bool {
        if let every = options.epochEveryBatches { return batchesSinceEpoch >= every }
        guard requestedEpoch.load(ordering: .relaxed) > injected else { return false }
        let newest = maxInjected.load(ordering: .relaxed)
        if injected < newest { return true }
        let begins = newest - completedEpoch.load(ordering: .relaxed) < UInt64(max(1, options.maxPendingEpochs))
        if begins {
            epochHeldSince.store(0, ordering: .relaxed)
        } else {
            _ = epochHeldSince.compareExchange(expected: 0, desired: max(1, options.timeSource.nowMillis()), ordering: .relaxed)
        }
        return begins
    }

    /// True once the pending-epoch bound has held a requested epoch back for longer than
    /// an epoch interval (at least a second): a sink or the store is down, or far slower
    /// than the clock. Sources stop reading then instead of stretching the open epoch
    /// without end: a pipeline whose sink is down must not keep its cores busy (it slowed
    /// a healthy neighbour in the same process to 59 %, `Benchmarks/isolation.sh`), nor
    /// pile rows for an append sink. A store that completes epochs, however slowly, only
    /// pauses reading between them: the epochs stretch up to this bound.
    var commitsStalled: Bool {
        let since = epochHeldSince.load(ordering: .relaxed)
        guard since != 0 else { return false }
        let grace = max(options.epochIntervalMillis ?? 1000, 1000)
        return options.timeSource.nowMillis() - since > grace
    }

    func recordRead(rows: Int, rejected count: Int, progress: Double?, split: Int) {
        eventsIn.add(Int64(rows), ordering: .relaxed)
        if count > 0 { rejected.add(Int64(count), ordering: .relaxed) }
        if let progress { book.withLock { $0.progress[split] = progress } }
    }

    /// Tells the partitions the share of bounded input read when it first passes 1 %, 2 %,
    /// 4 %, 8 % and 16 % (ticks tell them every 250 ms): operators that size their state
    /// for the rest of the input (de-duplication's table) hear it within the first chunks,
    /// not a fifth into a W2 job, after growing step by step to a fifth of the size. Called
    /// by a split after it sent a chunk's batches, so the message comes after those; other
    /// splits' batches counted in the share may still be on their way (the operator then
    /// sees fewer rows than the share says, and sizes for less).
    func noteInputRead() {
        guard !earlyProgressNoticesDone.load(ordering: .relaxed), let progress else { return }
        let due = earlyProgressNotice.withLock { next in
            guard next <= Self.lastEarlyProgressNotice, progress >= next else { return false }
            while next <= progress { next *= 2 }
            if next > Self.lastEarlyProgressNotice { earlyProgressNoticesDone.store(true, ordering: .relaxed) }
            return true
        }
        if due { for partition in partitions { partition.send(.inputRead(fraction: progress)) } }
    }

    /// The share of input read at which `noteInputRead` tells the partitions next, and
    /// whether it is past the last (so later chunks skip computing the share).
    private let earlyProgressNotice = Mutex<Double>(0.01)
    private let earlyProgressNoticesDone = Atomic<Bool>(false)
    private static let lastEarlyProgressNotice = 0.16

    /// Fraction of all bounded input read, when every split knows it.
    var progress: Double? {
        book.withLock { book in
            let known = book.progress.compactMap { $0 }
            guard known.count == book.progress.count, !known.isEmpty else { return nil }
            return known.reduce(0, +) / Double(known.count)
        }
    }

    func recordBarrier(_ epoch: Epoch, position: SourcePosition?, maxEventTime: EventTime?, split: Int) {
        _ = maxInjected.max(epoch.value, ordering: .relaxed)
        guard position != nil || maxEventTime != nil else { return }
        book.withLock { book in
            if let position { book.positions[epoch.value, default: [:]][split] = position }
            if let maxEventTime { book.maxTimes[epoch.value, default: [:]][split] = maxEventTime }
        }
    }

    /// Called *before* the split sends its end or stop, so whoever finishes last sees it.
    func recordEnd(position: SourcePosition?, maxEventTime: EventTime?, split: Int) {
        book.withLock { book in
            if let position { book.endPositions[split] = position }
            if let maxEventTime { book.endMaxTimes[split] = maxEventTime }
            book.ended[split] = true
            // A split that reported progress has read all of its input.
            if book.progress[split] != nil { book.progress[split] = 1 }
        }
    }

    func durablePosition(split: Int) -> SourcePosition? { book.withLock { $0.durable[split] } }

    func report(snapshot: [UInt8], vertex: Int, partition: Int, epoch: Epoch) {
        book.withLock { $0.snapshots[epoch.value, default: [:]][vertex * partitionCount + partition] = snapshot }
        completeReadyEpochs()
    }

    /// An operator instance's inputs all closed; `snapshot` is its final state (empty when
    /// snapshots are off).
    func reportFinished(vertex: Int, partition: Int, snapshot: [UInt8]) {
        book.withLock { $0.finalStates[vertex * partitionCount + partition] = snapshot }
        completeReadyEpochs()
    }

    /// Each split's largest event time as of the epoch being completed.
    private func watermarks(_ book: EpochBook) -> [SplitWatermark] {
        var result: [SplitWatermark] = []
        for source in plan.sources {
            for split in 0..<source.source.splitCount {
                guard let time = book.durableMaxTimes[source.firstSplitChannel + split] else { continue }
                result.append(SplitWatermark(source: source.source.name, split: split, maxEventTime: time))
            }
        }
        return result
    }

    /// Checkpoint states by vertex name, from the epoch's snapshots and final states.
    private func states(_ snapshots: [Int: [UInt8]], finals: [Int: [UInt8]]) -> [String: [[UInt8]]] {
        var states: [String: [[UInt8]]] = [:]
        for (v, vertex) in plan.vertices.enumerated() {
            states[vertex.name] = (0..<partitionCount).map { p in
                snapshots[v * partitionCount + p] ?? finals[v * partitionCount + p] ?? []
            }
        }
        for (key, value) in options.checkpointAnnotations { states[key] = [value] }
        return states
    }

    func sinkCommitted(_ sink: Int, epoch: Epoch) {
        book.withLock { _ = $0.commits[epoch.value, default: []].insert(sink) }
        completeReadyEpochs()
    }

    /// Completes, in order, every pending epoch that has become complete, then the run
    /// once every sink has finished, on `completionQueue`.
    ///
    /// Any thread may call it after recording what it reports. At most one completion waits
    /// in the queue: a caller that finds one queued leaves it to that one, which clears the
    /// mark before it reads the book, so it sees everything recorded before the mark was
    /// found set. (Session 7 tried such a queue without draining it in `Job.run`: a crashed
    /// run's queued save then landed after its restart had read the store.)
    private func completeReadyEpochs() {
        guard completionQueued.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return }
        completionQueue.async { [self] in
            completionQueued.store(false, ordering: .sequentiallyConsistent)
            guard !completionClosed.load(ordering: .sequentiallyConsistent) else { return }
            completePendingEpochs()
        }
    }

    /// Waits for the completion under way, then completes nothing more: `Job.run` calls it
    /// once the executors and sinks are drained, so no save lands after the run returns,
    /// even from a barrier still crossing an exchange when a failed run was drained.
    func closeCompletion() {
        completionQueue.sync { completionClosed.store(true, ordering: .sequentiallyConsistent) }
    }

    private func completePendingEpochs() {
        while let next = book.withLock({ $0.nextCompletion() }) {
            switch next {
            case .epoch(let epoch):
                completeEpoch(epoch)
            case .final(let epoch):
                if !isAborted && !hasFailed { finishRun(epoch) }
                markDone()
                return
            }
        }
    }

    /// Epoch N is durable in every sink (and every state snapshot is in): save the
    /// checkpoint, then release the source positions for acknowledgement.
    private func completeEpoch(_ epoch: Epoch) {
        // After a crash or a failure nothing more is saved: the run is ending, and `Job.run`
        // closes the queue once it has drained the executors and sinks.
        guard !isAborted && !hasFailed else { return }
        let (positions, checkpoint) = book.withLock { book -> ([Int: SourcePosition], Checkpoint?) in
            var positions = book.positions.removeValue(forKey: epoch.value) ?? [:]
            let maxTimes = book.maxTimes.removeValue(forKey: epoch.value) ?? [:]
            for (split, time) in maxTimes { book.durableMaxTimes[split] = time }
            let snapshots = book.snapshots.removeValue(forKey: epoch.value) ?? [:]
            book.commits.removeValue(forKey: epoch.value)
            // A split that ended before this barrier contributed everything up to its end.
            for split in 0..<book.ended.count where positions[split] == nil && book.ended[split] {
                if let end = book.endPositions[split] { positions[split] = end }
                if maxTimes[split] == nil, let end = book.endMaxTimes[split] { book.durableMaxTimes[split] = end }
            }
            guard snapshotsEnabled else { return (positions, nil) }
            let all = (0..<book.durable.count).compactMap { positions[$0] ?? book.durable[$0] }
            return (
                positions,
                Checkpoint(
                    epoch: epoch, partitions: partitionCount, positions: all, watermarks: watermarks(book),
                    states: states(snapshots, finals: book.finalStates)))
        }
        if let store = options.checkpointStore, let checkpoint {
            do {
                try saveTimed(checkpoint, to: store)
            } catch {
                fail(.wrapping(error, as: .sinkFailed, "could not save checkpoint of \(epoch)"))
                return
            }
        }
        // An abort is a crash: nothing after it may be released for acknowledgement.
        guard !isAborted else { return }
        book.withLock { book in
            for (split, position) in positions { book.durable[split] = position }
            book.epochsCompleted += 1
        }
        _ = completedEpoch.max(epoch.value, ordering: .relaxed)
        options.onEpochComplete?(epoch)
    }

    /// Saves a checkpoint and records how long it took and how much state it held.
    private func saveTimed(_ checkpoint: Checkpoint, to store: any CheckpointStore) throws {
        let started = ContinuousClock.now
        try store.save(checkpoint, pipeline: pipeline)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let bytes = checkpoint.states.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        let report = checkpointInfo.withLock { info in
            info = CheckpointReport(
                epoch: checkpoint.epoch.value, durationSeconds: seconds, stateBytes: bytes, saved: (info?.saved ?? 0) + 1)
            return info!
        }
        options.onCheckpointSaved?(report)
    }

    /// "source/split" for a global split number.
    func splitName(_ global: Int) -> String {
        for source in plan.sources where (source.firstSplitChannel..<source.firstSplitChannel + source.source.splitCount).contains(global) {
            return "\(source.source.name)/\(global - source.firstSplitChannel)"
        }
        return "split \(global)"
    }

    /// The last checkpoint saved, if any.
    var lastCheckpoint: CheckpointReport? { checkpointInfo.withLock { $0 } }

    /// The newest completed epoch.
    var lastCompletedEpoch: UInt64 { completedEpoch.load(ordering: .relaxed) }

    /// Each split's largest event time as of the last completed epoch, and whether it ended.
    var splitReports: [SplitReport] {
        book.withLock { book in
            plan.sources.flatMap { source in
                (0..<source.source.splitCount).map { split in
                    let channel = source.firstSplitChannel + split
                    return SplitReport(
                        source: source.source.name, split: split, maxEventTime: book.durableMaxTimes[channel],
                        ended: book.ended[channel])
                }
            }
        }
    }

    func sinkFinished(_ sink: Int, epoch: Epoch) {
        book.withLock { book in
            book.finishedSinkSet.insert(sink)
            book.finishedSinks += 1
            // Each sink read the final epoch when it finished; one fed by fewer sources may
            // have read it before barriers others still carried.
            book.latestFinishEpoch = max(book.latestFinishEpoch, epoch.value)
            if book.finishedSinks == book.totalSinks { book.finalEpoch = Epoch(book.latestFinishEpoch) }
        }
        completeReadyEpochs()
    }

    /// Every sink has finished: the final epoch holds everything up to each split's end.
    private func finishRun(_ epoch: Epoch) {
        let checkpoint = book.withLock { book -> Checkpoint? in
            // Every instance's final state is in (`nextCompletion` waits for them).
            guard snapshotsEnabled else { return nil }
            let positions = (0..<book.durable.count).compactMap { book.endPositions[$0] ?? book.durable[$0] }
            for (split, time) in book.endMaxTimes.enumerated() where time != nil { book.durableMaxTimes[split] = time }
            return Checkpoint(
                epoch: epoch, partitions: partitionCount, positions: positions, watermarks: watermarks(book),
                states: states([:], finals: book.finalStates))
        }
        if let store = options.checkpointStore, let checkpoint {
            do {
                try saveTimed(checkpoint, to: store)
            } catch {
                fail(.wrapping(error, as: .sinkFailed, "could not save the final checkpoint"))
                return
            }
        }
        guard !isAborted else { return }
        book.withLock { book in
            for (i, position) in book.endPositions.enumerated() where position != nil { book.durable[i] = position }
            book.epochsCompleted += 1
        }
        _ = completedEpoch.max(epoch.value, ordering: .relaxed)
        options.onEpochComplete?(epoch)
    }
}
