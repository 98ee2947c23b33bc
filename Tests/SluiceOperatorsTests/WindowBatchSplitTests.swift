import SluiceCore
import Testing

@testable import SluiceOperators

/// The same rows in different batch sizes, with the same watermark schedule, give the same
/// results: the same final view, the same late rows, the same counters.
@Suite struct WindowBatchSplitTests {
    private func makeOperator(_ window: WindowSpec?) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: window,
            aggregates: AggregateReference.specs.map(\.spec), allowedLatenessMillis: window == nil ? 0 : 1_500)
    }

    /// `steps` with each batch cut into pieces of random size.
    private func split(_ steps: [Step], seed: UInt64) -> [Step] {
        var rng = SplitMix64(seed: seed)
        var out: [Step] = []
        for step in steps {
            guard case .rows(let events) = step else {
                out.append(step)
                continue
            }
            var i = 0
            while i < events.count {
                let n = min(Int.random(in: 1...17, using: &rng), events.count - i)
                out.append(.rows(Array(events[i..<(i + n)])))
                i += n
            }
        }
        return out
    }

    @Test(arguments: WindowSnapshotTests.modes)
    func batchSizesDoNotChangeResults(window: WindowSpec?) {
        let steps = WindowSnapshotTests.steps(seed: 77).filter { if case .tick = $0 { false } else { true } }
        let whole = makeOperator(window)
        let wholeRun = whole.run(steps)
        let identity = window == nil ? ["agent", "metric"] : ["agent", "metric", "window_start"]
        let expectedView = upsertView(wholeRun.mainRows, identity: identity)
        #expect(expectedView.count >= (window == nil ? 8 : 20))
        if window != nil { #expect(whole.counters.late > 0) }
        for seed in [1, 2] as [UInt64] {
            let pieces = makeOperator(window)
            let run = pieces.run(split(steps, seed: seed))
            let view = upsertView(run.mainRows, identity: identity)
            #expect(view.keys.sorted() == expectedView.keys.sorted())
            for (key, row) in expectedView {
                // Exact equality, floating sums included: rows are added in the same order.
                #expect(view[key] == row, "\(key)")
            }
            #expect(render(run.late) == render(wholeRun.late))
            #expect(pieces.counters.late == whole.counters.late)
            #expect(pieces.counters.lateUpdates == whole.counters.lateUpdates)
            #expect(pieces.counters.rowsIn == whole.counters.rowsIn)
        }
    }
}
