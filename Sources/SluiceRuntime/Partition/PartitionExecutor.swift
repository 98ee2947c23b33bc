import Dispatch
import SluiceCore
import SluiceOperators
import Synchronization

/// A message for one partition: a payload on one channel of one vertex, a tick, or the
/// share of bounded input read.
enum PartitionMessage: Sendable {
    /// `credit` is true for source batches: a slot of the sending split's credits, given
    /// back once the operator has handled the batch (not when an alignment holds it).
    case deliver(vertex: Int, channel: Int, payload: ChannelPayload, credit: Bool)
    case tick(nowMillis: Int64)
    /// Between ticks, early in a bounded input (`JobRuntime.noteInputRead`).
    case inputRead(fraction: Double)
}

/// Runs partition `index` of every vertex: one operator instance per vertex, fed by the
/// partition's mailbox, executed on one serial worker queue.
///
/// - Important: all mutable state is touched only on `queue` (drains are scheduled
///   there and never run concurrently), which is why the class may be `@unchecked
///   Sendable`. Other threads only push into the mailbox.
final class PartitionExecutor: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    /// Inbox slots per source split (indexed by the split's global number): each split has
    /// its own, so a split whose batches an alignment holds cannot take the slots the
    /// split holding the alignment back needs to catch up (credit-based flow control per
    /// channel, as in Flink).
    let credits: [CreditGate]
    /// Batches from other partitions (exchanges) queued here and not yet handled; sources
    /// pause while any partition has too many (`JobRuntime.partitionsBackedUp`).
    let exchangeBacklog = Atomic<Int>(0)
    /// Per vertex, per aligner channel: the global split whose credit a batch on that
    /// channel carries (nil for channels fed by other vertices).
    private var creditSplit: [[Int?]] = []
    /// Per vertex and input: the vertex feeding it, and whether over a forward edge (nil:
    /// fed by sources). For `watermarkProgress`'s upstream names.
    private var feeders: [[(vertex: Int, forward: Bool)?]] = []
    private let mailbox = Mailbox<PartitionMessage>()
    private unowned let job: JobRuntime
    private var vertices: [VertexInstance] = []
    private var events: [AlignedEvent] = []
    /// The largest share of input read told to this partition's operators (`heardShare`).
    private var largestShareHeard = 0.0
    /// Used only on the executor's queue, by its exchanges.
    private var dictionaryHashes = DictionaryHashes<String>()
    private var deadLetterProgress = DeadLetterProgress(vertexCount: 0)
    /// Counters and watermark for readers on other threads, refreshed after a drain at
    /// most every `publishInterval` (summing operator counters per batch would be waste).
    private let published = Mutex(PartitionStatus())
    private var lastPublished = ContinuousClock.now
    static let publishInterval = Duration.milliseconds(200)

    init(index: Int, queue: DispatchQueue, job: JobRuntime, capacity: Int) {
        self.index = index
        self.queue = queue
        self.job = job
        credits = (0..<job.plan.totalSplits).map { _ in CreditGate(capacity: capacity) }
        creditSplit = job.plan.vertices.map { vertex in
            var splits = [Int?](repeating: nil, count: vertex.totalChannels)
            for source in job.plan.sources {
                for group in source.groups {
                    for target in group.targets where job.plan.vertices[target.vertex].name == vertex.name {
                        let offset = vertex.channelOffsets[target.input]
                        for split in 0..<source.source.splitCount {
                            splits[offset + split] = source.firstSplitChannel + split
                        }
                    }
                }
            }
            return splits
        }
        feeders = job.plan.vertices.map { vertex in [(vertex: Int, forward: Bool)?](repeating: nil, count: vertex.inputs.count) }
        for (u, upstream) in job.plan.vertices.enumerated() {
            for case .forward(let v, let input) in upstream.routes.joined() where feeders[v][input] == nil {
                feeders[v][input] = (u, true)
            }
            for case .exchange(let v, let input, _) in upstream.routes.joined() where feeders[v][input] == nil {
                feeders[v][input] = (u, false)
            }
        }
    }

    /// Builds the operator instances (before any message is sent).
    func instantiate(_ plan: PhysicalPlan, restoring checkpoint: Checkpoint?) throws {
        vertices = try plan.vertices.map { vertex in
            let op = vertex.factory(index)
            if let bytes = checkpoint?.states[vertex.name]?[index] {
                var reader = SnapshotReader(bytes)
                try op.restore(from: &reader)
            }
            return VertexInstance(plan: vertex, op: op)
        }
        deadLetterProgress = DeadLetterProgress(vertexCount: vertices.count)
    }

    /// This partition's channel into the dead-letter sink (after the splits' channels).
    private var deadLetterChannel: Int { job.plan.totalSplits + index }

    private func sendToDeadLetter(_ payloads: [ChannelPayload]) {
        for payload in payloads { job.deadLetter.send(channel: deadLetterChannel, payload) }
    }

    func send(_ message: PartitionMessage) {
        if case .deliver(_, _, .batch, false) = message { exchangeBacklog.add(1, ordering: .relaxed) }
        if mailbox.push(message) {
            queue.async { self.drain() }
        }
    }

    private func drain() {
        defer {
            let now = ContinuousClock.now
            if now - lastPublished >= Self.publishInterval {
                lastPublished = now
                publish()
            }
        }
        while true {
            let messages = mailbox.takeAll()
            if messages.isEmpty { return }
            for message in messages {
                if case .deliver(_, _, .batch, false) = message { exchangeBacklog.subtract(1, ordering: .relaxed) }
                if job.isAborted {
                    if case .deliver(let vertex, let channel, _, true) = message, let split = creditSplit[vertex][channel] {
                        credits[split].release()
                    }
                    continue
                }
                switch message {
                case .deliver(let vertex, let channel, let payload, _):
                    deliver(vertex: vertex, channel: channel, payload)
                case .inputRead(let fraction):
                    let share = heardShare(fraction)
                    for v in vertices.indices { vertices[v].op.inputRead(fraction: share) }
                case .tick(let now):
                    let read = job.progress.map(heardShare)
                    for v in vertices.indices {
                        if let read { vertices[v].op.inputRead(fraction: read) }
                        var out = OperatorOutput()
                        vertices[v].op.tick(nowMillis: now, into: &out)
                        route(out, from: v, origin: vertices[v].sentWatermark)
                    }
                }
            }
        }
    }

    /// The share of input read to tell operators: never less than one told before. A tick
    /// reads the share when it runs, a notice carries it from when it was sent, and two
    /// splits' notices may arrive in either order; a smaller share after a larger one
    /// would make an operator size its state for more input than there is.
    private func heardShare(_ fraction: Double) -> Double {
        largestShareHeard = max(largestShareHeard, fraction)
        return largestShareHeard
    }

    /// Hands a payload to a vertex's aligner and runs what it releases.
    private func deliver(vertex v: Int, channel: Int, _ payload: ChannelPayload) {
        var released: [AlignedEvent] = []
        vertices[v].aligner.receive(channel: channel, payload, into: &released)
        for event in released { run(event, at: v) }
    }

    private func run(_ event: AlignedEvent, at v: Int) {
        let op = vertices[v].op
        var out = OperatorOutput()
        switch event {
        case .batch(let input, let channel, let batch, var rows, let origin):
            // The slot goes back to the split once the batch is handled.
            defer { if let split = creditSplit[v][channel] { credits[split].release() } }
            if let guardian = vertices[v].guards[input], let screened = guardian.screen(batch, rows: rows) {
                job.rejected.add(Int64(screened.rejections.count), ordering: .relaxed)
                sendToDeadLetter([.rejections(screened.rejections, source: vertices[v].plan.name)])
                guard !screened.kept.isEmpty else { return }
                rows = screened.kept
            }
            op.process(batch, rows: rows, input: input, origin: origin, into: &out)
            route(out, from: v, origin: origin)
        case .rejections:
            break
        case .watermark(let w):
            // Rows that firing makes leave before the watermark that fired them.
            let sent = vertices[v].sentWatermark
            vertices[v].watermark = w
            op.advanceWatermark(to: w, into: &out)
            route(out, from: v, origin: sent)
            broadcast(.watermark(w), from: v)
        case .barrier(let epoch):
            if job.snapshotsEnabled {
                var writer = SnapshotWriter(reusing: &vertices[v].lastSnapshot)
                op.snapshot(into: &writer)
                let bytes = writer.bytes
                vertices[v].keepSnapshotBuffer(bytes)
                job.report(snapshot: bytes, vertex: v, partition: index, epoch: epoch)
            }
            broadcast(.barrier(epoch), from: v)
            sendToDeadLetter(deadLetterProgress.passedBarrier(epoch, vertex: v))
        case .end:
            let sent = vertices[v].sentWatermark
            vertices[v].watermark = .endOfTime
            op.advanceWatermark(to: .endOfTime, into: &out)
            route(out, from: v, origin: sent)
            reportFinished(v)
            broadcast(.end, from: v)
            sendToDeadLetter(deadLetterProgress.finished(vertex: v, stopped: false))
        case .stop:
            reportFinished(v)
            broadcast(.stop, from: v)
            sendToDeadLetter(deadLetterProgress.finished(vertex: v, stopped: true))
        }
    }

    /// All inputs of vertex `v` closed: from now on it counts as snapshotted for every
    /// epoch, with this final state.
    private func reportFinished(_ v: Int) {
        var writer = SnapshotWriter(reusing: &vertices[v].lastSnapshot)
        if job.snapshotsEnabled { vertices[v].op.snapshot(into: &writer) }
        job.reportFinished(vertex: v, partition: index, snapshot: writer.bytes)
    }

    /// Sends operator output along the routes of its ports, behind `origin` (see
    /// `AlignedEvent.batch`).
    private func route(_ out: OperatorOutput, from v: Int, origin: EventTime) {
        for emission in out.emissions {
            // A selection is gathered once, and only if some route needs a batch of its own.
            var gathered: Batch?
            func whole() -> Batch {
                guard let rows = emission.rows else { return emission.batch }
                if let gathered { return gathered }
                let batch = emission.batch.gather(rows)
                gathered = batch
                return batch
            }
            for route in vertices[v].plan.routes[emission.port] {
                switch route {
                case .forward(let target, let input):
                    deliver(
                        vertex: target, channel: vertices[target].plan.channelOffsets[input],
                        .batch(emission.batch, rows: emission.rows, origin: origin))
                case .exchange(let target, let input, let keys):
                    let batch = whole()
                    let parts = Scatter.split(batch, keys: keys, count: job.partitionCount, cache: &dictionaryHashes)
                    let channel = job.plan.vertices[target].channelOffsets[input] + index
                    for (q, part) in parts.enumerated() where !part.isEmpty {
                        job.partitions[q].send(.deliver(vertex: target, channel: channel, payload: .batch(part, rows: nil, origin: origin), credit: false))
                    }
                case .sink(let s):
                    job.sinks[s].send(channel: index, .batch(whole(), rows: nil))
                }
            }
        }
    }

    /// Sends a control payload (watermark, barrier, end, stop) to every downstream
    /// consumer once.
    private func broadcast(_ payload: ChannelPayload, from v: Int) {
        for routes in vertices[v].plan.routes {
            for route in routes {
                switch route {
                case .forward(let target, let input):
                    deliver(vertex: target, channel: vertices[target].plan.channelOffsets[input], payload)
                case .exchange(let target, let input, _):
                    let channel = job.plan.vertices[target].channelOffsets[input] + index
                    for partition in job.partitions {
                        partition.send(.deliver(vertex: target, channel: channel, payload: payload, credit: false))
                    }
                case .sink(let s):
                    // Sinks act on barriers and the end only; a watermark per batch would
                    // wake an idle sink queue (a thread wake-up) for nothing.
                    switch payload {
                    case .watermark, .idle: continue
                    default: job.sinks[s].send(channel: index, payload)
                    }
                }
            }
        }
    }

    /// Operator counters per vertex (call on `queue` once the run is over).
    func counters() -> [OperatorCounters] { vertices.map(\.op.counters) }

    /// Publishes counters and watermark (call on `queue`).
    func publish() {
        var status = PartitionStatus()
        for vertex in vertices {
            status.counters += vertex.op.counters
            status.vertexCounters.append(vertex.op.counters)
            if let w = vertex.watermark { status.watermark = min(status.watermark ?? w, w) }
        }
        published.withLock { $0 = status }
    }

    /// Every vertex's combined watermark and its input channels' watermarks (call on
    /// `queue`: reads the aligners, which only the queue touches).
    func watermarkProgress() -> PartitionProgress {
        PartitionProgress(
            partition: index,
            vertices: vertices.enumerated().map { v, vertex in
                VertexProgress(
                    vertex: vertex.plan.name, watermark: vertex.watermark,
                    channels: vertex.aligner.channelProgress.enumerated().map { c, channel in
                        let feeder = feeders[v][channel.input]
                        return ChannelProgress(
                            input: channel.input, channel: c, split: creditSplit[v][c].map(job.splitName),
                            watermark: channel.watermark, idle: channel.idle, closed: channel.closed,
                            upstream: feeder.map { job.plan.vertices[$0.vertex].name },
                            upstreamPartition: feeder.map { $0.forward ? index : c - vertex.plan.channelOffsets[channel.input] })
                    })
            })
    }

    /// Each keyed vertex's state for the key `values` (text, in key-column order), with the
    /// vertex's watermark and input channels (call on `queue`: reads operator state, which
    /// only the queue touches; the look-up never inserts or interns).
    func keyState(for values: [String]) -> PartitionKeyState {
        let progress = watermarkProgress()
        var found: [VertexKeyState] = []
        for (v, vertex) in vertices.enumerated() {
            guard let inspecting = vertex.op as? any KeyStateInspecting, let state = inspecting.keyState(for: values) else { continue }
            found.append(VertexKeyState(progress: progress.vertices[v], state: state))
        }
        return PartitionKeyState(partition: index, vertices: found)
    }

    /// The last published status (any thread).
    var status: PartitionStatus { published.withLock { $0 } }

    /// Batches waiting here: source batches holding inbox slots plus exchanged batches
    /// (any thread; reads counters, never the mailbox).
    var inboxDepth: Int { credits.reduce(0) { $0 + $1.inUse } + exchangeBacklog.load(ordering: .relaxed) }
}

/// One operator instance with the aligner merging its input channels.
struct VertexInstance {
    let plan: VertexPlan
    let op: any StreamOperator
    var aligner: ChannelAligner
    /// The last watermark the vertex was given (nil: none yet).
    var watermark: EventTime?
    /// The watermark the vertex has sent downstream: every one it was given.
    var sentWatermark: EventTime { watermark ?? .beginningOfTime }
    /// Per input: the check that keeps rows without a complete key out (keyed inputs).
    let guards: [NullKeyGuard?]
    /// The last snapshot's bytes, shared with its checkpoint. Once that checkpoint is saved
    /// and dropped, the next snapshot writes into the same memory: a fresh buffer of a
    /// large state costs a page fault per 4 KiB, about half of W1's snapshot time. The
    /// price is that much memory held between checkpoints.
    var lastSnapshot: [UInt8] = []
    /// The most bytes written into `lastSnapshot`'s memory (what it keeps resident).
    private var lastSnapshotPeak = 0

    /// Keeps a snapshot's buffer for the next one, unless the state shrank to under a
    /// quarter of what the buffer once held: then it goes with its checkpoint.
    mutating func keepSnapshotBuffer(_ bytes: [UInt8]) {
        lastSnapshotPeak = max(lastSnapshotPeak, bytes.count)
        if bytes.count >= lastSnapshotPeak / 4 {
            lastSnapshot = bytes
        } else {
            lastSnapshot = []
            lastSnapshotPeak = 0
        }
    }

    init(plan: VertexPlan, op: any StreamOperator) {
        self.plan = plan
        self.op = op
        guards = plan.declaredKeys.map { keys in keys.map { NullKeyGuard(keys: $0, step: plan.name) } }
        aligner = ChannelAligner(channelsPerInput: plan.inputs.map(\.channels))
    }
}
