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
    let eventsIn = Atomic<Int64>(0)
    let rejected = Atomic<Int64>(0)
    private let failure = Mutex<SluiceError?>(nil)
    private let book: Mutex<EpochBook>
    private let doneGroup = DispatchGroup()
    private let doneFlag = Atomic<Bool>(false)

    struct EpochBook {
        var positions: [UInt64: [Int: SourcePosition]] = [:]
        var commits: [UInt64: Int] = [:]
        var snapshots: [UInt64: [String: [[UInt8]]]] = [:]
        var snapshotCounts: [UInt64: Int] = [:]
        var durable: [SourcePosition?]
        var endPositions: [SourcePosition?]
        var progress: [Double?]
        var finishedSinks = 0
        var epochsCompleted = 0
    }

    init(plan: PhysicalPlan, options: RunOptions, pipeline: String, startEpoch: UInt64, restoredPositions: [SourcePosition?]) {
        self.plan = plan
        self.options = options
        self.pipeline = pipeline
        partitionCount = plan.partitions
        snapshotsEnabled = options.checkpointStore != nil
        book = Mutex(
            EpochBook(
                durable: restoredPositions, endPositions: restoredPositions,
                progress: [Double?](repeating: nil, count: plan.totalSplits)))
        maxInjected.store(startEpoch, ordering: .relaxed)
        requestedEpoch.store(startEpoch, ordering: .relaxed)
        doneGroup.enter()
    }

    var totalSinks: Int { sinks.count + 1 }
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

    func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    func requestEpoch() { requestedEpoch.add(1, ordering: .relaxed) }

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

    func wantsEpoch(after injected: UInt64, batchesSinceEpoch: Int) -> Bool {
        if let every = options.epochEveryBatches { return batchesSinceEpoch >= every }
        return requestedEpoch.load(ordering: .relaxed) > injected
    }

    func recordRead(rows: Int, rejected count: Int, progress: Double?, split: Int) {
        eventsIn.add(Int64(rows), ordering: .relaxed)
        if count > 0 { rejected.add(Int64(count), ordering: .relaxed) }
        if let progress { book.withLock { $0.progress[split] = progress } }
    }

    /// Fraction of all bounded input read, when every split knows it.
    var progress: Double? {
        book.withLock { book in
            let known = book.progress.compactMap { $0 }
            guard known.count == book.progress.count, !known.isEmpty else { return nil }
            return known.reduce(0, +) / Double(known.count)
        }
    }

    func recordBarrier(_ epoch: Epoch, position: SourcePosition?, split: Int) {
        _ = maxInjected.max(epoch.value, ordering: .relaxed)
        if let position { book.withLock { $0.positions[epoch.value, default: [:]][split] = position } }
    }

    func recordEnd(position: SourcePosition?, split: Int) {
        book.withLock { $0.endPositions[split] = position }
    }

    func durablePosition(split: Int) -> SourcePosition? { book.withLock { $0.durable[split] } }

    func report(snapshot: [UInt8], vertex: Int, partition: Int, epoch: Epoch) {
        let name = plan.vertices[vertex].name
        let complete = book.withLock { book -> Bool in
            var states = book.snapshots[epoch.value, default: [:]][name] ?? Array(repeating: [], count: partitionCount)
            states[partition] = snapshot
            book.snapshots[epoch.value, default: [:]][name] = states
            book.snapshotCounts[epoch.value, default: 0] += 1
            return isComplete(epoch.value, book)
        }
        if complete { completeEpoch(epoch) }
    }

    func sinkCommitted(_ sink: Int, epoch: Epoch) {
        let complete = book.withLock { book -> Bool in
            book.commits[epoch.value, default: 0] += 1
            return isComplete(epoch.value, book)
        }
        if complete { completeEpoch(epoch) }
    }

    private func isComplete(_ epoch: UInt64, _ book: EpochBook) -> Bool {
        guard book.commits[epoch, default: 0] == totalSinks else { return false }
        if snapshotsEnabled { return book.snapshotCounts[epoch, default: 0] == plan.vertices.count * partitionCount }
        return true
    }

    /// Epoch N is durable in every sink (and every state snapshot is in): save the
    /// checkpoint, then release the source positions for acknowledgement.
    private func completeEpoch(_ epoch: Epoch) {
        guard !isAborted else { return }
        let (positions, states) = book.withLock { book -> ([Int: SourcePosition], [String: [[UInt8]]]) in
            let positions = book.positions.removeValue(forKey: epoch.value) ?? [:]
            let states = book.snapshots.removeValue(forKey: epoch.value) ?? [:]
            book.commits.removeValue(forKey: epoch.value)
            book.snapshotCounts.removeValue(forKey: epoch.value)
            return (positions, states)
        }
        if let store = options.checkpointStore {
            let durable = book.withLock { book in
                (0..<book.durable.count).compactMap { positions[$0] ?? book.durable[$0] }
            }
            do {
                try store.save(
                    Checkpoint(epoch: epoch, partitions: partitionCount, positions: durable, states: states), pipeline: pipeline)
            } catch {
                fail(SluiceError(.sinkFailed, "could not save checkpoint of \(epoch): \(error)"))
                return
            }
        }
        book.withLock { book in
            for (split, position) in positions { book.durable[split] = position }
            book.epochsCompleted += 1
        }
        options.onEpochComplete?(epoch)
    }

    func sinkFinished(_ sink: Int, epoch: Epoch) {
        let all = book.withLock { book -> Bool in
            book.finishedSinks += 1
            guard book.finishedSinks == totalSinks else { return false }
            for (i, position) in book.endPositions.enumerated() where position != nil { book.durable[i] = position }
            book.epochsCompleted += 1
            return true
        }
        if all {
            if !isAborted { options.onEpochComplete?(epoch) }
            markDone()
        }
    }
}
