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
        // No tick comes in the run: what is heard comes as the first percents are read
        // (each split's batch is 1/40 of it, so some of 1, 2, 4, 8, 16 % are passed at once).
        let heard = try Self.run(reportsProgress: true, tickIntervalMillis: 3_600_000)
        let shares = heard.shares.withLock { $0 }
        let rows = heard.rowsAtShare.withLock { $0 }
        #expect(!shares.isEmpty && shares.count <= 5, "\(shares)")
        // The share is known once both splits reported; a split runs at most its 8 inbox
        // slots ahead of the other before it waits, so the first share is below 16 %.
        #expect(shares.first.map { $0 < 0.16 } == true, "\(shares)")
        #expect(shares == shares.sorted() && Set(shares).count == shares.count, "\(shares)")
        #expect(shares.allSatisfy { $0 < 0.32 }, "nothing after 16 % but ticks: \(shares)")
        // Each share comes after the batches of the split that read it; the other split's
        // last batch may still be on its way.
        let total = 2 * JobTests.input.reduce(0) { $0 + $1.count }
        for (share, seen) in zip(shares, rows) {
            #expect(seen >= Int(share * Double(total)) - JobTests.input[0].count, "\(seen) rows at \(share)")
        }
    }
}
