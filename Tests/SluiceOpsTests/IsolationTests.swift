import Foundation
import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluiceRuntime
import Synchronization
import Testing

/// A pipeline whose sink is slow or down costs another pipeline of the same process little
/// of its throughput: each has its own job, queues and executors, and the stalled one's
/// reads pause on its sink's backlog instead of filling memory or taking the CPU.
/// `Benchmarks/` measures the ratio (`Isolation sink …`, goal: at least 90 %); this test
/// asserts it loosely (a debug build on a shared machine), as the median of alternating
/// rounds.
@Suite(.serialized) struct IsolationTests {
    /// A sink that sleeps per write (slow), or blocks until released (down).
    final class StalledSink: Sink {
        let name = "stalled"
        let delayMillis: Int?
        let released = Atomic<Bool>(false)
        let written = Atomic<Int>(0)
        init(delayMillis: Int?) { self.delayMillis = delayMillis }
        func open(schema: Schema, mode: SinkMode) throws {}
        func write(_ batch: Batch) throws {
            if let delayMillis {
                Thread.sleep(forTimeInterval: Double(delayMillis) / 1000)
            } else {
                while !released.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
            }
            written.add(batch.count, ordering: .relaxed)
        }
        func commit(epoch: Epoch) throws {}
        func close() throws {}
    }

    final class CountingRows: Sink {
        let name = "rows"
        let count = Atomic<Int64>(0)
        func open(schema: Schema, mode: SinkMode) throws {}
        func write(_ batch: Batch) throws {
            var n: Int64 = 0
            for v in batch.column(named: "n")?.ints ?? [] { n += v }
            count.add(n, ordering: .relaxed)
        }
        func commit(epoch: Epoch) throws {}
        func close() throws {}
    }

    static let events = 1_000_000

    /// The fast pipeline: W1 keyed by agent and metric into 10 s windows; seconds taken.
    private func fastRun() throws -> Double {
        let sink = CountingRows()
        let flow = Dataflow(name: "fast")
        let source = try W1WorkloadSource(agents: 10_000, events: Self.events, splits: 2, agentIdsAsStrings: true)
        let events = flow.source(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000))
        let windows = flow.add("windows", inputs: [(events, .hash(["agent_id", "metric"]))]) { _ in
            KeyedAggregateOperator(
                inputSchema: source.schema, keys: ["agent_id", "metric"], timeField: "ts",
                window: .tumbling(sizeMillis: 10_000), aggregates: [AggregateSpec("n", .count)])
        }
        flow.sink("rows", from: windows[0], to: sink, mode: .append)
        let start = ContinuousClock.now
        _ = try Job(flow, options: RunOptions(workers: 2, partitions: 2)).run()
        let elapsed = ContinuousClock.now - start
        #expect(sink.count.load(ordering: .relaxed) == Int64(Self.events))
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The stalled pipeline, running until `stop`.
    private func startStalled(delayMillis: Int?) throws -> (stop: () -> Void, sink: StalledSink) {
        let sink = StalledSink(delayMillis: delayMillis)
        let flow = Dataflow(name: "stalled")
        let source = try W1WorkloadSource(name: "w1-stalled", agents: 1000, events: Int(Int32.max), agentIdsAsStrings: true)
        let events = flow.source(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000))
        flow.sink("stalled", from: events, to: sink, mode: .append)
        let job = try Job(flow, options: RunOptions(workers: 2, partitions: 2))
        let ended = DispatchSemaphore(value: 0)
        let thread = Thread {
            _ = try? job.run()
            ended.signal()
        }
        thread.start()
        return ({
            sink.released.store(true, ordering: .relaxed)
            job.stop()
            _ = ended.wait(timeout: .now() + 30)
        }, sink)
    }

    @Test(arguments: [Optional(50), nil])
    func aStalledSinkBarelySlowsAnotherPipeline(delayMillis: Int?) throws {
        var ratios: [Double] = []
        for round in 0..<3 {
            var alone = 0.0
            var beside = 0.0
            for run in 0..<2 {
                if (run + round) % 2 == 0 {
                    alone = try fastRun()
                } else {
                    let stalled = try startStalled(delayMillis: delayMillis)
                    Thread.sleep(forTimeInterval: 0.3)  // it fills its queues and stalls
                    beside = try fastRun()
                    // The neighbour was stalled all along: a down sink took no row.
                    let through = stalled.sink.written.load(ordering: .relaxed)
                    stalled.stop()
                    if delayMillis == nil { #expect(through == 0) }
                }
            }
            ratios.append(alone / beside)
        }
        let median = ratios.sorted()[1]
        // Loose: the goal (at least 0.9) is measured in Benchmarks/; a debug build on a
        // shared 2-core machine only has to show it is not starved.
        #expect(median >= 0.6, "throughput beside the stalled pipeline / alone: \(ratios)")
    }
}
