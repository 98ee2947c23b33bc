import Dispatch
import Foundation
import SluiceCore
import SluiceOperators
import SluiceRuntime
import Synchronization
import Testing

/// A bounded source whose split 1 stalls after its first batch until `release()`: what a
/// consumer blocked on a quiet broker queue looks like to the runtime.
final class StallingSource: Source, @unchecked Sendable {
    // `gate` and the counters are thread-safe; the batches are immutable.
    let name = "events"
    let schema = SampleData.schema
    let splitCount = 2
    let isBounded = true
    let batches: [Batch]
    private let gate = DispatchSemaphore(value: 0)
    let handedOut = Mutex([0, 0])

    init(batches: [Batch]) { self.batches = batches }

    func release() { gate.signal() }

    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        Reader(source: self, split: index)
    }

    final class Reader: SourceReader {
        let source: StallingSource
        let split: Int
        var next = 0
        init(source: StallingSource, split: Int) {
            self.source = source
            self.split = split
        }
        func next(maxRows: Int) throws -> SourceChunk {
            if split == 1 && next == 1 { source.gate.wait() }
            guard next < source.batches.count else { return .end }
            var batch = source.batches[next]
            next += 1
            source.handedOut.withLock { $0[split] += 1 }
            batch.position = SourcePosition(source: source.name, split: split, offset: Int64(next))
            return .data(batch, rejections: [])
        }
    }
}

/// Writes slowly, as a remote database under load would; counts what it was given.
final class SlowSink: Sink, @unchecked Sendable {
    let name = "slow"
    let rowsWritten = Atomic<Int>(0)
    func open(schema: Schema, mode: SinkMode) throws {}
    func write(_ batch: Batch) throws {
        usleep(3_000)
        rowsWritten.add(batch.count, ordering: .relaxed)
    }
    func commit(epoch: Epoch) throws {}
    func close() throws {}
}

@Suite(.serialized) struct BackpressureTests {
    /// While split 1 is stalled before its first barrier, split 0's batches after the
    /// barrier are held by the alignment; they must keep their credits, so split 0 stops
    /// after a bounded number of batches instead of filling memory.
    @Test(.timeLimit(.minutes(5)))
    func aStalledSplitBoundsWhatTheOtherSplitsMayHaveHeld() throws {
        let source = StallingSource(batches: SampleData.batches(count: 400, rows: 50, agents: 20, seed: 3))
        let (flow, sink) = TotalsFlow.make("stalled", source: source)
        var options = RunOptions(workers: 2, partitions: 2)
        options.epochEveryBatches = 2
        options.maxSplitDriftMillis = nil
        options.inboxCapacity = 4
        let job = try Job(flow, options: options)
        let result = Mutex<Result<RunSummary, any Error>?>(nil)
        let thread = Thread { let r = Result { try job.run() }; result.withLock { $0 = r } }
        thread.start()
        // Wait until split 0 stops advancing.
        var last = -1
        for _ in 0..<100 {
            usleep(50_000)
            let now = source.handedOut.withLock { $0[0] }
            if now == last { break }
            last = now
        }
        let readWhileStalled = source.handedOut.withLock { $0[0] }
        // Two batches before its first barrier, then at most a full set of credits per
        // partition (each batch goes to both partitions), plus the one in hand.
        #expect(readWhileStalled <= 2 + options.inboxCapacity + 1, "split 0 read \(readWhileStalled) batches past a stalled alignment")
        source.release()
        while result.withLock({ $0 == nil }) { usleep(10_000) }
        let summary = try result.withLock { $0! }.get()
        #expect(summary.eventsIn == 2 * 400 * 50)
        #expect(sink.view.values.reduce(0) { $0 + ($1["n"]?.asInt ?? 0) } == 2 * 400 * 50)
    }

    /// A sink slower than its input slows the source: rows read but not yet written stay
    /// bounded however long the input is.
    @Test(.timeLimit(.minutes(5)))
    func aSlowSinkSlowsTheSourceInsteadOfQueueing() throws {
        let input = SampleData.batches(count: 300, rows: 100, agents: 20, seed: 5)
        let flow = Dataflow(name: "slow-sink")
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: [input]),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let sink = SlowSink()
        flow.sink("slow", from: events, to: sink, mode: .append)
        var options = RunOptions(workers: 2, partitions: 2)
        options.inboxCapacity = 4
        let job = try Job(flow, options: options)
        let result = Mutex<Result<RunSummary, any Error>?>(nil)
        let thread = Thread { let r = Result { try job.run() }; result.withLock { $0 = r } }
        thread.start()
        var largestGap: Int64 = 0
        while result.withLock({ $0 == nil }) {
            largestGap = max(largestGap, job.eventsRead - Int64(sink.rowsWritten.load(ordering: .relaxed)))
            usleep(2_000)
        }
        _ = try result.withLock { $0! }.get()
        #expect(sink.rowsWritten.load(ordering: .relaxed) == 300 * 100)
        // The sink's backlog limit (inbox × partitions × 4 batches) plus what the
        // partitions' inboxes hold, in rows; the whole input is 30,000 rows.
        let bound = Int64((options.inboxCapacity * 2 * 4 + options.inboxCapacity * 2 + 2) * 100)
        #expect(largestGap <= bound, "rows read but not written reached \(largestGap)")
    }
}
