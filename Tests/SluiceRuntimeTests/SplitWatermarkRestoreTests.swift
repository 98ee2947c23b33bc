import SluiceCore
import SluiceOperators
import SluiceRuntime
import Synchronization
import Testing

/// Records every watermark it is given; forwards nothing.
final class WatermarkLogOperator: StreamOperator {
    let outputSchemas: [Schema]
    var counters = OperatorCounters()
    private let log: SharedWatermarkLog
    init(schema: Schema, log: SharedWatermarkLog) {
        outputSchemas = [schema]
        self.log = log
    }
    func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {}
    func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        log.log.withLock { $0.append(watermark) }
    }
}

final class SharedWatermarkLog: Sendable {
    let log = Mutex<[EventTime]>([])
    var all: [EventTime] { log.withLock { $0 } }
}

@Suite struct SplitWatermarkRestoreTests {
    /// Event times go back between batches (within the disorder a source allows), so a
    /// split that forgot its past would announce a lower watermark after a restore.
    static func batches() -> [Batch] {
        [(100, 199), (50, 60), (300, 310), (120, 130), (400, 410)].map { low, high in
            var builder = BatchBuilder(schema: SampleData.schema)
            for t in low...high { builder.append(values: [.string("agent-1"), .double(1), .timestamp(Int64(t))]) }
            return builder.finish()
        }
    }

    static func flow(log: SharedWatermarkLog) -> Dataflow {
        let flow = Dataflow(name: "watermarks")
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: [batches()]),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let logged = flow.add("log", inputs: [(events, .forward)]) { _ in
            WatermarkLogOperator(schema: SampleData.schema, log: log)
        }
        flow.sink("view", from: logged[0], to: ViewSink(), mode: .append)
        return flow
    }

    @Test func aRestoredSplitResumesFromItsCheckpointedWatermark() throws {
        let store = MemoryCheckpointStore()
        var options = RunOptions(workers: 1, partitions: 1)
        options.epochEveryBatches = 1
        options.checkpointStore = store
        let box = JobBox()
        options.onEpochComplete = { epoch in if epoch.value == 1 { box.job?.abort() } }
        let first = try Job(Self.flow(log: SharedWatermarkLog()), options: options)
        box.job = first
        #expect(try first.run().outcome == .aborted)
        let checkpoint = try #require(try store.latest(pipeline: "watermarks"))
        let read = Int(try #require(checkpoint.positions.first).offset)
        let expectedMax = Self.batches().prefix(read).compactMap { $0.column(named: "ts")?.ints.max() }.max()
        #expect(checkpoint.maxEventTime(source: "events", split: 0) == expectedMax)

        let log = SharedWatermarkLog()
        var resumed = RunOptions(workers: 1, partitions: 1)
        resumed.epochEveryBatches = 1
        resumed.checkpointStore = store
        resumed.restoreFrom = checkpoint
        #expect(try Job(Self.flow(log: log), options: resumed).run().outcome == .completed)
        // The first watermark after the restore is the checkpointed one, not one made
        // from the next batch alone (which would be lower: 60 or 130 here).
        #expect(log.all.first == expectedMax)
        #expect(log.all == log.all.sorted())
    }
}

