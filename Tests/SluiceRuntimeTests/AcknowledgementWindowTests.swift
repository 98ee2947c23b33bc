import Foundation
import SluiceCore
import SluiceRuntime
import Synchronization
import Testing

/// Like a broker's consumer with a prefetch window: hands out a batch only while fewer than
/// `window` rows are unacknowledged, and says it awaits acknowledgement at half the window.
final class WindowedSource: Source {
    let name = "events"
    let schema = SampleData.schema
    let batches: [Batch]
    let window: Int
    /// The reader's unacknowledged row count each time it had to return `.idle` for it.
    let stalls = Atomic<Int>(0)
    let acknowledged = AckLog()
    init(batches: [Batch], window: Int) {
        self.batches = batches
        self.window = window
    }
    var splitCount: Int { 1 }
    var isBounded: Bool { true }
    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader { Reader(source: self) }

    final class Reader: SourceReader {
        let source: WindowedSource
        var next = 0
        /// Rows read up to each batch's position, for the acknowledgement's count.
        var rowsThrough: [Int] = [0]
        var acknowledgedRows = 0
        init(source: WindowedSource) { self.source = source }
        var unacknowledged: Int { rowsThrough[next] - acknowledgedRows }
        var awaitsAcknowledgement: Bool { unacknowledged * 2 >= source.window }
        func next(maxRows: Int) throws -> SourceChunk {
            guard next < source.batches.count else { return .end }
            var batch = source.batches[next]
            guard unacknowledged + batch.count <= source.window else {
                source.stalls.add(1, ordering: .relaxed)
                return .idle
            }
            next += 1
            rowsThrough.append(rowsThrough[next - 1] + batch.count)
            batch.position = SourcePosition(source: source.name, split: 0, offset: Int64(next))
            return .data(batch, rejections: [])
        }
        func acknowledge(upTo position: SourcePosition) throws {
            acknowledgedRows = rowsThrough[Int(position.offset)]
            source.acknowledged.append(position)
        }
    }
}

@Suite struct AcknowledgementWindowTests {
    /// A source that may hold only 100 unacknowledged rows reads 2,000 with the epoch clock
    /// at 10 minutes: only epochs begun because the source awaits acknowledgement can move
    /// it. Without them it stalls at the first window until the watchdog stops the job.
    @Test(.timeLimit(.minutes(5)))
    func aSourceAwaitingAcknowledgementBeginsAnEpochWithoutTheClock() throws {
        let source = WindowedSource(batches: SampleData.batches(count: 200, rows: 10, agents: 5, seed: 11), window: 100)
        let (flow, sink) = TotalsFlow.make("window", source: source)
        var options = RunOptions(workers: 2, partitions: 2)
        options.epochIntervalMillis = 600_000
        let job = try Job(flow, options: options)
        let watchdog = DispatchWorkItem { job.stop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        let summary = try job.run()
        watchdog.cancel()

        #expect(summary.outcome == .completed)
        #expect(sink.view.values.reduce(0) { $0 + ($1["n"]?.asInt ?? 0) } == 2_000)
        // Each epoch may carry at most a window: at least 2,000 / 100 of them acknowledged
        // (the last by the end of the input), in order, up to the last batch.
        let acknowledged = source.acknowledged.all.map(\.offset)
        #expect(acknowledged.count >= 19, "\(acknowledged)")
        #expect(acknowledged == acknowledged.sorted())
        #expect(acknowledged.last == 200)
    }
}
