import Dispatch
import SluiceCore
import Synchronization

/// Where a sink executor writes: rows to a `Sink`, or rejections to a dead-letter sink.
enum SinkTarget: @unchecked Sendable {
    // Sinks are Sendable protocols; the enum only carries them.
    case rows(any Sink, mode: SinkMode)
    case rejections((any RejectionSink)?)
}

/// Drives one sink on its own serial queue: aligns the epoch barriers of all producers,
/// writes an epoch's rows, commits, and reports the commit to the job.
///
/// - Important: mutable state is touched only on `queue`.
final class SinkExecutor: @unchecked Sendable {
    let index: Int
    let name: String
    private let queue: DispatchQueue
    private let mailbox = Mailbox<(Int, ChannelPayload)>()
    private unowned let job: JobRuntime
    private let target: SinkTarget
    private var aligner: ChannelAligner
    private var events: [AlignedEvent] = []
    /// Rows (or rejections) written: one relaxed add per batch, read by status readers.
    private let written = Atomic<Int64>(0)
    var rowsWritten: Int64 { written.load(ordering: .relaxed) }
    private var finished = false
    /// Row batches queued but not yet written: sources pause while it is high, so a slow
    /// sink slows reading instead of growing memory.
    let backlog = Atomic<Int>(0)
    private(set) var sampleRejections: [Rejection] = []

    /// Set when the sink commits through the job's commit group.
    private let groupMember: (any TransactionalSink)?

    init(index: Int, name: String, target: SinkTarget, channels: Int, job: JobRuntime) {
        self.index = index
        self.name = name
        self.target = target
        if case .rows(let sink, _) = target, let group = job.options.checkpointStore as? any CommitGroup,
            group.contains(sink)
        {
            groupMember = sink as? any TransactionalSink
        } else {
            groupMember = nil
        }
        self.job = job
        queue = DispatchQueue(label: "sluice.sink.\(name)")
        aligner = ChannelAligner(channelsPerInput: [channels])
    }

    func open(schema: Schema) throws {
        if case .rows(let sink, let mode) = target { try sink.open(schema: schema, mode: mode) }
    }

    func send(channel: Int, _ payload: ChannelPayload) {
        if case .batch = payload { backlog.add(1, ordering: .relaxed) }
        if mailbox.push((channel, payload)) {
            queue.async { self.drain() }
        }
    }

    private func drain() {
        while true {
            let messages = mailbox.takeAll()
            if messages.isEmpty { return }
            for (channel, payload) in messages {
                if job.isAborted || finished {
                    if case .batch = payload { backlog.subtract(1, ordering: .relaxed) }
                    continue
                }
                events.removeAll(keepingCapacity: true)
                aligner.receive(channel: channel, payload, into: &events)
                for event in events {
                    do {
                        try handle(event)
                    } catch {
                        finished = true
                        job.fail(.wrapping(error, as: .sinkFailed, "sink '\(name)' failed"))
                        return
                    }
                }
            }
        }
    }

    private func handle(_ event: AlignedEvent) throws {
        // A batch leaves the backlog when written, not when taken from the mailbox: one
        // held back by a barrier alignment still occupies memory.
        if case .batch = event { backlog.subtract(1, ordering: .relaxed) }
        switch event {
        case .batch(_, _, let whole, let rows, _):
            if case .rows(let sink, _) = target {
                let batch = rows.map { whole.gather($0) } ?? whole
                // Retractions reach the sink in arrival order with the writes (`Sink.delete`).
                if batch.isRetraction {
                    try sink.delete(batch)
                } else {
                    try sink.write(batch)
                    written.add(Int64(batch.count), ordering: .relaxed)
                }
            }
        case .rejections(let rejections, let source):
            if case .rejections(let sink) = target {
                if let sink {
                    try sink.write(rejections, source: source)
                } else if sampleRejections.count < 1000 {
                    sampleRejections.append(contentsOf: rejections.prefix(1000 - sampleRejections.count))
                }
                written.add(Int64(rejections.count), ordering: .relaxed)
            }
        case .watermark:
            break
        case .barrier(let epoch):
            try commit(epoch)
            job.sinkCommitted(index, epoch: epoch)
        case .end, .stop:
            let epoch = job.finalEpoch
            try commit(epoch)
            finished = true
            job.sinkFinished(index, epoch: epoch)
        }
    }

    /// Commits the epoch's rows, or only prepares them when the sink commits in the
    /// checkpoint's transaction (a `CommitGroup` member): the job's save of checkpoint N
    /// then makes them durable together with the state and the positions.
    private func commit(_ epoch: Epoch) throws {
        switch target {
        case .rows(let sink, _):
            if let member = groupMember {
                try member.prepare(epoch: epoch)
            } else {
                try sink.commit(epoch: epoch)
            }
        case .rejections(let sink): try sink?.commit(epoch: epoch)
        }
    }

    /// Closes the sink; returns the error instead of throwing so every sink gets closed.
    func close() -> (any Error)? {
        queue.sync {
            do {
                switch target {
                case .rows(let sink, _): try sink.close()
                case .rejections(let sink): try sink?.close()
                }
                return nil
            } catch {
                return error
            }
        }
    }

    /// Waits until everything queued so far has been handled.
    func settle() { queue.sync {} }
}
