import Foundation
import SluiceCore
import SluiceRuntime
import Synchronization
import Testing

/// A checkpoint store slower than the epoch clock: each save takes `delay`.
final class SlowCheckpointStore: CheckpointStore {
    let delay: UInt32
    private let saved = Mutex<[Epoch]>([])
    init(delayMicros: UInt32) { delay = delayMicros }
    func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        usleep(delay)
        saved.withLock { $0.append(checkpoint.epoch) }
    }
    func latest(pipeline: String) throws -> Checkpoint? { nil }
    var epochs: [Epoch] { saved.withLock { $0 } }
}

/// Reads slowly: one batch per millisecond, so a run lasts long enough for the clock.
final class TricklingSource: Source {
    // Immutable but for `finished`, which is locked.
    let name = "events"
    let schema = SampleData.schema
    let batches: [Batch]
    /// When the last batch was handed out.
    let finished = Mutex<Date?>(nil)
    init(batches: [Batch]) { self.batches = batches }
    var splitCount: Int { 1 }
    var isBounded: Bool { true }
    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        Reader(source: self)
    }
    final class Reader: SourceReader {
        let source: TricklingSource
        var next = 0
        init(source: TricklingSource) { self.source = source }
        var batches: [Batch] { source.batches }
        func next(maxRows: Int) throws -> SourceChunk {
            guard next < batches.count else {
                source.finished.withLock { $0 = $0 ?? Date() }
                return .end
            }
            usleep(1_000)
            var batch = batches[next]
            next += 1
            batch.position = SourcePosition(source: "events", split: 0, offset: Int64(next))
            return .data(batch, rejections: [])
        }
    }
}

@Suite struct PendingEpochsTests {
    /// Epochs requested every 2 ms against a store that needs 40 ms per save: without a
    /// bound every requested epoch begins, and each pending one holds every operator's
    /// snapshot (a run of this shape once reached 23 GB). With the bound, epochs stretch.
    @Test(.timeLimit(.minutes(5)))
    func aSlowStoreStretchesEpochsInsteadOfPilingThemUp() throws {
        let store = SlowCheckpointStore(delayMicros: 40_000)
        let source = TricklingSource(batches: SampleData.batches(count: 600, rows: 20, agents: 10, seed: 9))
        let (flow, sink) = TotalsFlow.make("slow-store", source: source)
        var options = RunOptions(workers: 2, partitions: 2)
        options.epochIntervalMillis = 2
        options.checkpointStore = store
        let started = Date()
        let summary = try Job(flow, options: options).run()
        let seconds = try #require(source.finished.withLock { $0 }).timeIntervalSince(started)
        #expect(summary.outcome == .completed)
        let epochs = store.epochs
        // While the source read, saves (sequential, 40 ms each) fit at most seconds / 0.04
        // times, plus the pending allowance and the final epoch; unbounded, about
        // seconds / 0.002 epochs would have begun (each saved eventually).
        let fitting = Int(seconds / 0.04) + RunOptions(workers: 1).maxPendingEpochs + 2
        #expect(epochs.count <= fitting, "\(epochs.count) epochs began in \(seconds) s (saves fit \(fitting))")
        #expect(epochs.count >= 3)
        #expect(epochs == epochs.sorted())
        #expect(sink.view.values.reduce(0) { $0 + ($1["n"]?.asInt ?? 0) } == 600 * 20)
    }
}
