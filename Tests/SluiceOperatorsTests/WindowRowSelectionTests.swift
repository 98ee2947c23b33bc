import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceOperators

/// An exchange hands each partition the shared batch and its rows of it. Processing rows
/// in place must give exactly what processing the gathered rows gives: the same rows out
/// in the same order, the same late rows, the same counters, for every engine.
@Suite struct WindowRowSelectionTests {
    private func makeOperator(_ window: WindowSpec?) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: window,
            aggregates: AggregateReference.specs.map(\.spec), allowedLatenessMillis: window == nil ? 0 : 1_500,
            partialEveryMillis: window == nil ? nil : 1_000)
    }

    @Test(arguments: WindowSnapshotTests.modes)
    func selectedRowsMatchGatheredRows(window: WindowSpec?) {
        var rng = SplitMix64(seed: 31)
        let selected = makeOperator(window)
        let gathered = makeOperator(window)
        var selectedRun = Recording()
        var gatheredRun = Recording()
        for step in WindowSnapshotTests.steps(seed: 5) {
            var a = OperatorOutput()
            var b = OperatorOutput()
            switch step {
            case .rows(let events):
                let batch = TestInput.batch(events)
                // A random share of the rows: sometimes none, sometimes all.
                let keep = UInt64.random(in: 0...4, using: &rng)
                let rows = (0..<Int32(batch.count)).filter { _ in rng.next() % 4 < keep }
                selected.process(batch, rows: rows, input: 0, into: &a)
                gathered.process(batch.gather(rows), input: 0, into: &b)
            case .batch(let batch):
                selected.process(batch, input: 0, into: &a)
                gathered.process(batch, input: 0, into: &b)
            case .watermark(let t):
                selected.advanceWatermark(to: t, into: &a)
                gathered.advanceWatermark(to: t, into: &b)
            case .tick(let now):
                selected.tick(nowMillis: now, into: &a)
                gathered.tick(nowMillis: now, into: &b)
            }
            selectedRun.record(a)
            gatheredRun.record(b)
        }
        #expect(gatheredRun.main.count > 5)
        #expect(render(selectedRun.main) == render(gatheredRun.main))
        #expect(render(selectedRun.late) == render(gatheredRun.late))
        #expect(selected.counters.rowsIn == gathered.counters.rowsIn)
        #expect(selected.counters.late == gathered.counters.late)
        #expect(selected.counters.lateUpdates == gathered.counters.lateUpdates)
        if window != nil { #expect(gathered.counters.late > 0) }
        #expect(selected.snapshotBytes == gathered.snapshotBytes)
    }
}
