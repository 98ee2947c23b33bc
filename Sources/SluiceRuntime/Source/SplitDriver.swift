import Dispatch
import SluiceCore

/// Reads one source split on its own thread: decode → watermark → scatter to partitions,
/// injecting epoch barriers when the job asks and acknowledging durable positions.
final class SplitDriver: @unchecked Sendable {
    // Used only by its own thread after `start`.
    let sourceIndex: Int
    let split: Int
    /// This split's channel number among all splits (dead-letter channel).
    let globalSplit: Int
    private unowned let job: JobRuntime
    private let plan: SourcePlan
    /// Shared with the source's other splits; nil when the source is not aligned.
    private let alignment: SplitAlignment?
    private var reader: (any SourceReader)?
    private var watermark: WatermarkTracker?
    private var injectedEpoch: UInt64 = 0
    private var lastPosition: SourcePosition?
    private var ackedPosition: SourcePosition?
    private var batchesSinceEpoch = 0
    /// True when `open` restored the watermark: `run` announces it before the first batch.
    private var restoredWatermark = false
    private var sequence = 0
    private var dictionaryHashes = DictionaryHashes<String>()
    /// Rows per read: enough that each partition gets about `batchRows` after a keyed exchange.
    private let chunkRows: Int
    let finished = DispatchSemaphore(value: 0)

    init(
        job: JobRuntime, sourceIndex: Int, split: Int, plan: SourcePlan, alignment: SplitAlignment?, startEpoch: UInt64
    ) {
        self.job = job
        self.alignment = alignment
        self.sourceIndex = sourceIndex
        self.split = split
        self.plan = plan
        globalSplit = plan.firstSplitChannel + split
        injectedEpoch = startEpoch
        let exchanges = job.partitionCount > 1 && plan.groups.contains { $0.keys != nil }
        chunkRows = job.options.batchRows * (exchanges ? job.partitionCount : 1)
        if let spec = plan.eventTime { watermark = WatermarkTracker(maxOutOfOrdernessMillis: spec.maxOutOfOrdernessMillis) }
    }

    /// Opens the split after `position`; `maxEventTime` (from the checkpoint) restores the
    /// split's watermark so it is where the uninterrupted run's would be.
    func open(resumingAfter position: SourcePosition?, maxEventTime: EventTime?) throws {
        reader = try plan.source.openSplit(split, resumingAfter: position)
        lastPosition = position
        ackedPosition = position
        if let maxEventTime, var tracker = watermark {
            tracker.observe(maxTime: maxEventTime)
            watermark = tracker
            restoredWatermark = true
        }
    }

    /// The read loop; returns when the split ended, the job stopped, aborted or failed.
    func run() {
        defer {
            alignment?.report(split: split, watermark: nil)
            finished.signal()
        }
        guard let reader else { return }
        var idleSince: Int64?
        var markedIdle = false
        var idleSleepMicros: UInt32 = 200
        if restoredWatermark, let current = watermark?.current {
            sendControl(.watermark(current))
            alignment?.report(split: split, watermark: current)
        }
        while true {
            if job.isAborted || job.hasFailed {
                // A crash: release the input without acknowledging (a broker redelivers).
                reader.close()
                return
            }
            acknowledgeDurable()
            if job.stopRequested {
                injectBarrier()
                job.recordEnd(position: lastPosition, maxEventTime: readMaxTime, split: globalSplit)
                sendControl(.stop)
                break
            }
            if job.wantsEpoch(after: injectedEpoch, batchesSinceEpoch: batchesSinceEpoch) { injectBarrier() }
            if job.sinksBackedUp || job.partitionsBackedUp {
                usleep(500)
                continue
            }
            if job.commitsStalled {
                usleep(10_000)
                continue
            }
            if let alignment, alignment.isAhead(split: split) {
                usleep(100)
                continue
            }
            let chunk: SourceChunk
            do {
                chunk = try reader.next(maxRows: chunkRows)
            } catch {
                job.fail(SluiceError(.sourceFailed, "source '\(plan.source.name)' split \(split) failed: \(error)"))
                return
            }
            switch chunk {
            case .data(let batch, let rejections):
                idleSince = nil
                if markedIdle {
                    // Every partition must count this split again, not only those its
                    // next rows happen to reach.
                    markedIdle = false
                    sendControl(.idle(false))
                    alignment?.report(split: split, watermark: watermark?.current)
                }
                idleSleepMicros = 200
                job.recordRead(rows: batch.count, rejected: rejections.count, progress: reader.progress, split: globalSplit)
                if !rejections.isEmpty {
                    job.deadLetter.send(channel: globalSplit, .rejections(rejections, source: plan.source.name))
                }
                if !batch.isEmpty { scatter(batch) }
                job.noteInputRead()
                if let position = batch.position { lastPosition = position }
                batchesSinceEpoch += 1
                if reader.awaitsAcknowledgement { job.requestEpoch(afterCompleting: injectedEpoch) }
                if var tracker = watermark, let field = plan.eventTime?.field, let maxTime = Self.maxTime(batch, field: field) {
                    if tracker.observe(maxTime: maxTime) {
                        sendControl(.watermark(tracker.current))
                        alignment?.report(split: split, watermark: tracker.current)
                    }
                    watermark = tracker
                }
            case .idle:
                let now = job.options.timeSource.nowMillis()
                if idleSince == nil { idleSince = now }
                if !markedIdle, let timeout = plan.eventTime?.idleTimeoutMillis, let since = idleSince, now - since >= timeout {
                    markedIdle = true
                    sendControl(.idle(true))
                    alignment?.report(split: split, watermark: nil)
                }
                // A reader waiting for an acknowledgement gets it only from this loop:
                // look again soon, without backing off, so it is sent once its epoch is in.
                usleep(reader.awaitsAcknowledgement ? 200 : idleSleepMicros)
                idleSleepMicros = min(idleSleepMicros * 2, 20_000)
            case .end:
                alignment?.report(split: split, watermark: nil)
                job.recordEnd(position: lastPosition, maxEventTime: readMaxTime, split: globalSplit)
                sendControl(.end)
                awaitCompletionAndAcknowledge()
                return
            }
        }
        awaitCompletionAndAcknowledge()
    }

    private func awaitCompletionAndAcknowledge() {
        job.waitUntilDone()
        acknowledgeDurable()
        reader?.close()
    }

    private func acknowledgeDurable() {
        guard let durable = job.durablePosition(split: globalSplit), durable != ackedPosition else { return }
        do {
            try reader?.acknowledge(upTo: durable)
            ackedPosition = durable
        } catch {
            job.fail(SluiceError(.sourceFailed, "source '\(plan.source.name)' split \(split) could not acknowledge: \(error)"))
        }
    }

    /// The largest event time read so far (nil: none yet, or no event time).
    private var readMaxTime: EventTime? {
        guard let time = watermark?.maxEventTime, time != .beginningOfTime else { return nil }
        return time
    }

    private func injectBarrier() {
        injectedEpoch += 1
        batchesSinceEpoch = 0
        let epoch = Epoch(injectedEpoch)
        job.recordBarrier(epoch, position: lastPosition, maxEventTime: readMaxTime, split: globalSplit)
        sendControl(.barrier(epoch))
    }

    private func scatter(_ batch: Batch) {
        let partitions = job.partitionCount
        for group in plan.groups {
            // Each partition's share: the whole batch, or its rows of it (nil: all rows).
            var shares = [(rows: [Int32]?, count: Int)](repeating: (nil, 0), count: partitions)
            if partitions == 1 {
                shares[0] = (nil, batch.count)
            } else if let keys = group.keys {
                for (q, rows) in Scatter.rowsByPartition(of: batch, keys: keys, count: partitions, cache: &dictionaryHashes).enumerated() {
                    shares[q] = (rows.count == batch.count ? nil : rows, rows.count)
                }
            } else {
                shares[sequence % partitions] = (nil, batch.count)
            }
            for (q, share) in shares.enumerated() where share.count > 0 {
                for target in group.targets {
                    let channel = job.plan.vertices[target.vertex].channelOffsets[target.input] + split
                    let executor = job.partitions[q]
                    while !executor.credits[globalSplit].acquire(timeout: .now() + .milliseconds(50)) {
                        if job.isAborted || job.hasFailed { return }
                    }
                    executor.send(
                        .deliver(vertex: target.vertex, channel: channel, payload: .batch(batch, rows: share.rows), credit: true))
                }
            }
        }
        sequence += 1
    }

    private func sendControl(_ payload: ChannelPayload) {
        for group in plan.groups {
            for target in group.targets {
                let channel = job.plan.vertices[target.vertex].channelOffsets[target.input] + split
                for executor in job.partitions {
                    executor.send(.deliver(vertex: target.vertex, channel: channel, payload: payload, credit: false))
                }
            }
        }
        switch payload {
        case .barrier, .end, .stop: job.deadLetter.send(channel: globalSplit, payload)
        default: break
        }
    }

    static func maxTime(_ batch: Batch, field: String) -> EventTime? {
        guard let column = batch.column(named: field), column.type == .timestamp || column.type == .int64 else { return nil }
        var best: EventTime = .beginningOfTime
        column.ints.withUnsafeBufferPointer { values in
            if let validity = column.validity {
                for i in 0..<values.count where validity[i] && values[i] > best { best = values[i] }
            } else {
                for v in values where v > best { best = v }
            }
        }
        return best == .beginningOfTime ? nil : best
    }
}

#if canImport(Glibc)
    import Glibc
#endif
