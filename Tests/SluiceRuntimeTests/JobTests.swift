import SluiceCore
import SluiceOperators
import SluiceRuntime
import Testing

@Suite struct JobTests {
    static let input = SampleData.batches(count: 40, rows: 250, agents: 37, seed: 7)

    static func expected() -> [String: (Int64, Double)] {
        var totals: [String: (Int64, Double)] = [:]
        for batch in input {
            for r in 0..<batch.count {
                let k = batch.columns[0].string(at: r)!
                totals[k, default: (0, 0)].0 += 1
                totals[k, default: (0, 0)].1 += batch.columns[1].doubles[r]
            }
        }
        return totals
    }

    /// The view holds exactly the reference count and total per agent.
    static func expectTotals(_ sink: ViewSink) {
        let expected = Self.expected()
        #expect(sink.view.count == expected.count)
        for (key, row) in sink.view {
            let (n, total) = expected[key[0].asString!]!
            #expect(row["n"] == .int(n))
            #expect(abs(row["total"]!.asDouble! - total) < 1e-6)
        }
    }

    static func flow(splits: Int, sink: ViewSink) -> Dataflow {
        let flow = Dataflow(name: "totals")
        let parts = (0..<splits).map { s in input.enumerated().filter { $0.offset % splits == s }.map(\.element) }
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: parts),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let totals = flow.add("totals", inputs: [(events, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("view", from: totals[0], to: sink, mode: .upsert(key: ["agent_id"]))
        return flow
    }

    @Test(arguments: [(1, 1), (3, 1), (16, 1), (1, 2), (3, 2), (16, 2)])
    func resultsDoNotDependOnPartitionsOrWorkers(partitions: Int, workers: Int) throws {
        let sink = ViewSink()
        var options = RunOptions(workers: workers, partitions: partitions)
        options.epochEveryBatches = 5
        let summary = try Job(Self.flow(splits: 2, sink: sink), options: options).run()
        #expect(summary.outcome == .completed)
        #expect(summary.eventsIn == 10_000)
        Self.expectTotals(sink)
        #expect(summary.rowsOut["view"] == Int64(Self.expected().count))
    }

    @Test(arguments: [(1, 1), (3, 2), (16, 2)])
    func aUnionOfTwoSourcesFeedsKeyedStateWithoutAnExchange(partitions: Int, workers: Int) throws {
        let flow = Dataflow(name: "union-totals")
        let halves = (0..<2).map { h in Self.input.enumerated().filter { $0.offset % 2 == h }.map(\.element) }
        let sources = halves.enumerated().map { h, batches in
            flow.source(
                BatchListSource(name: "half-\(h)", schema: SampleData.schema, splits: [batches]),
                eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        }
        let merged = flow.add("merged", inputs: sources.map { ($0, .forward) }, preservesPartitioning: true) { _ in
            UnionOperator(inputSchemas: [SampleData.schema, SampleData.schema])
        }
        let totals = flow.add("totals", inputs: [(merged[0], .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        let sink = ViewSink()
        flow.sink("view", from: totals[0], to: sink, mode: .upsert(key: ["agent_id"]))
        #expect(try flow.inputEdges(partitions: partitions)["totals"] == [.forward])
        let summary = try Job(flow, options: RunOptions(workers: workers, partitions: partitions)).run()
        #expect(summary.eventsIn == 10_000)
        Self.expectTotals(sink)
    }

    @Test func epochsCommitBeforeSourcesAreAcknowledged() throws {
        let sink = ViewSink()
        var options = RunOptions(workers: 2, partitions: 4)
        options.epochEveryBatches = 4
        let flow = Self.flow(splits: 1, sink: sink)
        let summary = try Job(flow, options: options).run()
        // 40 batches / 4 per epoch = 10 barriers, plus the final commit at end of input.
        #expect(sink.commits.map(\.value) == Array(1...11))
        #expect(summary.epochsCommitted == 11)
    }

    @Test func crashAndRestoreGiveTheUninterruptedResult() throws {
        let store = MemoryCheckpointStore()
        let sink = ViewSink()
        let flow = Self.flow(splits: 2, sink: sink)
        var options = RunOptions(workers: 2, partitions: 3)
        options.epochEveryBatches = 3
        options.checkpointStore = store
        let box = JobBox()
        options.onEpochComplete = { epoch in if epoch.value == 4 { box.job?.abort() } }
        let first = try Job(flow, options: options)
        box.job = first
        let crashed = try first.run()
        #expect(crashed.outcome == .aborted)
        let checkpoint = try #require(try store.latest(pipeline: "totals"))
        #expect(checkpoint.epoch.value >= 4)

        var resumed = RunOptions(workers: 1, partitions: 3)
        resumed.epochEveryBatches = 3
        resumed.checkpointStore = store
        resumed.restoreFrom = checkpoint
        let second = try Job(Self.flow(splits: 2, sink: sink), options: resumed).run()
        #expect(second.outcome == .completed)
        #expect(second.eventsIn < 10_000)
        Self.expectTotals(sink)
    }
}

final class JobBox: @unchecked Sendable {
    // Written before run(), read from the coordinator callback afterwards.
    var job: Job?
}

/// A sink whose writes fail, as a database that went away would.
final class FailingSink: Sink {
    let name = "failing"
    func open(schema: Schema, mode: SinkMode) throws {}
    func write(_ batch: Batch) throws { throw SluiceError(.io, "disk full") }
    func commit(epoch: Epoch) throws {}
    func close() throws {}
}

@Suite struct JobFailureTests {
    @Test func aFailingSinkEndsTheRunWithItsErrorInsteadOfHanging() throws {
        let flow = Dataflow(name: "failing")
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: [JobTests.input]),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let totals = flow.add("totals", inputs: [(events, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("failing", from: totals[0], to: FailingSink(), mode: .append)
        let job = try Job(flow, options: RunOptions(workers: 2, partitions: 4))
        #expect(throws: SluiceError.self) { try job.run() }
        do {
            _ = try job.run()
            Issue.record("a second run() must be refused")
        } catch let error as SluiceError {
            #expect(error.message.contains("runs once"))
        }
    }
}

@Suite struct UnevenSourcesTests {
    /// Two bounded sources of very different lengths feeding two sinks: once the short one
    /// has ended, its operator and sink must count as done for every later epoch, or
    /// checkpoints and acknowledgements would stall for the rest of the run.
    static func flow(short: ViewSink, long: ViewSink) -> Dataflow {
        let flow = Dataflow(name: "uneven")
        let input = JobTests.input
        let a = flow.source(
            BatchListSource(name: "short", schema: SampleData.schema, splits: [Array(input.prefix(4))]),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let b = flow.source(
            BatchListSource(name: "long", schema: SampleData.schema, splits: [input, input]),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let ta = flow.add("short-totals", inputs: [(a, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        let tb = flow.add("long-totals", inputs: [(b, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("short-view", from: ta[0], to: short, mode: .upsert(key: ["agent_id"]))
        flow.sink("long-view", from: tb[0], to: long, mode: .upsert(key: ["agent_id"]))
        return flow
    }

    @Test func epochsKeepCompletingAfterAShortSourceEndsAndRestoreIsExact() throws {
        let store = MemoryCheckpointStore()
        let (short, long) = (ViewSink(name: "short"), ViewSink(name: "long"))
        var options = RunOptions(workers: 2, partitions: 3)
        options.epochEveryBatches = 3
        options.checkpointStore = store
        let box = JobBox()
        options.onEpochComplete = { epoch in if epoch.value == 9 { box.job?.abort() } }
        let first = try Job(Self.flow(short: short, long: long), options: options)
        box.job = first
        #expect(try first.run().outcome == .aborted)
        let checkpoint = try #require(try store.latest(pipeline: "uneven"))
        #expect(checkpoint.epoch.value >= 9, "epochs stalled at \(checkpoint.epoch) after the short source ended")

        var resumed = RunOptions(workers: 1, partitions: 3)
        resumed.epochEveryBatches = 3
        resumed.checkpointStore = store
        resumed.restoreFrom = checkpoint
        #expect(try Job(Self.flow(short: short, long: long), options: resumed).run().outcome == .completed)

        var expectedShort: [String: Int64] = [:]
        var expectedLong: [String: Int64] = [:]
        for (i, batch) in JobTests.input.enumerated() {
            for r in 0..<batch.count {
                let k = batch.columns[0].string(at: r)!
                if i < 4 { expectedShort[k, default: 0] += 1 }
                expectedLong[k, default: 0] += 2
            }
        }
        #expect(short.view.count == expectedShort.count)
        #expect(long.view.count == expectedLong.count)
        for (key, row) in short.view { #expect(row["n"] == .int(expectedShort[key[0].asString!]!)) }
        for (key, row) in long.view { #expect(row["n"] == .int(expectedLong[key[0].asString!]!)) }
        // The finished run leaves a final checkpoint whose positions are the ends.
        let final = try #require(try store.latest(pipeline: "uneven"))
        #expect(final.positions.contains { $0.source == "short" && $0.offset == 4 })
        #expect(final.positions.filter { $0.source == "long" }.allSatisfy { $0.offset == 40 })
    }
}
