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
        let rowsAtShare = Mutex<[Int]>([])
    }

    /// Passes batches on, a little slowly, and records the shares it hears with the rows
    /// it had passed by then.
    final class ProgressRecorder: StreamOperator {
        let outputSchemas: [Schema]
        let heard: Heard
        var counters = OperatorCounters()
        private var rows = 0
        init(schema: Schema, heard: Heard) {
            outputSchemas = [schema]
            self.heard = heard
        }
        func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
            usleep(3_000)
            rows += batch.count
            out.emit(batch)
        }
        func inputRead(fraction: Double) {
            heard.shares.withLock { $0.append(fraction) }
            heard.rowsAtShare.withLock { $0.append(rows) }
        }
    }

    static func run(reportsProgress: Bool, tickIntervalMillis: Int64 = 10) throws -> Heard {
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
        options.tickIntervalMillis = tickIntervalMillis
        let summary = try Job(flow, options: options).run()
        #expect(summary.outcome == .completed)
        return heard
    }

    @Test func operatorsHearTheShareOfABoundedInputRead() throws {
        // 80 batches at 3 ms each: about 24 ticks' worth.
        let heard = try Self.run(reportsProgress: true).shares.withLock { $0 }
        #expect(heard.count >= 3, "\(heard)")
        #expect(heard.allSatisfy { $0 > 0 && $0 <= 1 }, "\(heard)")
        #expect(heard == heard.sorted(), "the share only grows: \(heard)")
    }

    @Test func operatorsHearNothingWhenASplitDoesNotKnowItsProgress() throws {
        #expect(try Self.run(reportsProgress: false).shares.withLock { $0 }.isEmpty)
    }

    @Test func operatorsHearTheFirstSharesBeforeAnyTick() throws {
        // No tick comes in the run: whatever is heard comes from the notices as the first
        // percents are read. The share is known once both splits have read a batch, and a
        // split can run ahead of the other, so some or all of 1, 2, 4, 8 and 16 % may be
        // passed at once: at least one notice, at most five.
        let heard = try Self.run(reportsProgress: true, tickIntervalMillis: 3_600_000)
        let shares = heard.shares.withLock { $0 }
        let rows = heard.rowsAtShare.withLock { $0 }
        #expect(!shares.isEmpty && shares.count <= 5, "\(shares)")
        #expect(shares.allSatisfy { $0 > 0 && $0 <= 1 }, "\(shares)")
        #expect(shares == shares.sorted(), "never less than a share heard before: \(shares)")
        // A share comes after the batches of the split that sent it; the other split's
        // batch counted in it may still be on its way.
        let total = 2 * JobTests.input.reduce(0) { $0 + $1.count }
        for (share, seen) in zip(shares, rows) {
            #expect(seen >= Int(share * Double(total)) - JobTests.input[0].count, "\(seen) rows at \(share)")
        }
    }
}
