import Foundation
import SluiceCore
import SluiceOperators
import SluiceRuntime
import Synchronization
import Testing

/// What operators hear of a bounded job's progress (`StreamOperator.inputRead`).
@Suite struct InputProgressTests {
    /// The shares heard, by any partition.
    final class Heard: Sendable {
        let shares = Mutex<[Double]>([])
    }

    /// Passes batches on, a little slowly, and records the shares it hears.
    final class ProgressRecorder: StreamOperator {
        let outputSchemas: [Schema]
        let heard: Heard
        var counters = OperatorCounters()
        init(schema: Schema, heard: Heard) {
            outputSchemas = [schema]
            self.heard = heard
        }
        func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
            usleep(3_000)
            out.emit(batch)
        }
        func inputRead(fraction: Double) { heard.shares.withLock { $0.append(fraction) } }
    }

    static func run(reportsProgress: Bool) throws -> [Double] {
        var source = BatchListSource(name: "events", schema: SampleData.schema, splits: [JobTests.input, JobTests.input])
        source.reportsProgress = reportsProgress
        let heard = Heard()
        let flow = Dataflow(name: "progress")
        let events = flow.source(source, eventTime: nil)
        let passed = flow.add("recorder", inputs: [(events, .forward)]) { _ in
            ProgressRecorder(schema: SampleData.schema, heard: heard)
        }
        flow.sink("view", from: passed[0], to: ViewSink(), mode: .append)
        var options = RunOptions(workers: 1, partitions: 1)
        options.tickIntervalMillis = 10
        let summary = try Job(flow, options: options).run()
        #expect(summary.outcome == .completed)
        return heard.shares.withLock { $0 }
    }

    @Test func operatorsHearTheShareOfABoundedInputRead() throws {
        // 80 batches at 3 ms each: about 24 ticks' worth.
        let heard = try Self.run(reportsProgress: true)
        #expect(heard.count >= 3, "\(heard)")
        #expect(heard.allSatisfy { $0 > 0 && $0 <= 1 }, "\(heard)")
        #expect(heard == heard.sorted(), "the share only grows: \(heard)")
    }

    @Test func operatorsHearNothingWhenASplitDoesNotKnowItsProgress() throws {
        #expect(try Self.run(reportsProgress: false).isEmpty)
    }
}
