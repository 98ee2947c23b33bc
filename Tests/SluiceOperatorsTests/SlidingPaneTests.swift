import SluiceCore
import Testing

@testable import SluiceOperators

/// The pane engine against the direct per-window engine (row for row: same rows, same
/// order, same late rows and counters) and against brute-force aggregates over the rows
/// each window accepted, on randomized disordered input with late updates, late rows,
/// partial rows and random batch cuts.
@Suite struct SlidingPaneTests {
    /// (size, slide): ratios 1, 2, 5 and 60.
    static let shapes: [(Int64, Int64)] = [(400, 400), (800, 400), (1_000, 200), (12_000, 200)]

    @Test(arguments: shapes)
    func panesMatchTheDirectEngineAndTheReference(size: Int64, slide: Int64) {
        for seed in [1, 2] as [UInt64] {
            let steps = SlidingWorkload.steps(seed: seed &* 1_000 &+ UInt64(size / slide), size: size, slide: slide)
            let paned = SlidingWorkload.makeOperator(size: size, slide: slide, paned: true)
            let direct = SlidingWorkload.makeOperator(size: size, slide: slide, paned: false)
            #expect(paned.engine is PaneEngine)
            var allRows: [[String: Value]] = []
            for (i, step) in steps.enumerated() {
                let got = paned.run([step])
                let expected = direct.run([step])
                let (gotRows, expectedRows) = (got.mainRows, expected.mainRows)
                #expect(gotRows.count == expectedRows.count, "step \(i)")
                for (a, b) in zip(gotRows, expectedRows) where !sameRow(a, b) {
                    Issue.record("step \(i): got \(a), expected \(b)")
                    break
                }
                #expect(render(got.late) == render(expected.late), "step \(i)")
                allRows.append(contentsOf: gotRows)
            }
            #expect(paned.counters.late == direct.counters.late)
            #expect(paned.counters.lateUpdates == direct.counters.lateUpdates)
            #expect(paned.counters.rowsOut == direct.counters.rowsOut)
            // The workload exercises every path.
            #expect(paned.counters.late > 0)
            #expect(paned.counters.lateUpdates > 0)
            #expect(allRows.contains { $0["is_final"] == .bool(false) })

            let (groups, late) = SlidingWorkload.acceptedEvents(steps, size: size, slide: slide)
            let view = upsertView(allRows, identity: ["agent", "metric", "window_start"])
            #expect(view.count == groups.count)
            #expect(paned.counters.late == Int64(late))
            for row in view.values {
                let group = "\(row["agent"]!.asString!)|\(row["metric"]!.asString!)|\(row["window_start"]!.asInt!)"
                guard let members = groups[group] else {
                    Issue.record("unexpected window \(group)")
                    continue
                }
                #expect(row["is_final"] == .bool(true))
                #expect(row["window_end"]!.asInt! - row["window_start"]!.asInt! == size)
                AggregateReference.check(row: row, events: members, group: group)
            }
            // Expired panes are dropped.
            #expect((paned.engine as! PaneEngine).panes.isEmpty)
        }
    }

    @Test func restoreWithLateUpdatesPendingContinuesLikeTheOriginal() throws {
        let (size, slide): (Int64, Int64) = (1_000, 200)
        let steps = SlidingWorkload.steps(seed: 9, size: size, slide: slide)
        let uninterrupted = SlidingWorkload.makeOperator(size: size, slide: slide, paned: true)
        let expected = steps.map { uninterrupted.run([$0]) }
        var checkedPending = 0
        for cut in stride(from: 20, to: steps.count - 1, by: 23) {
            let original = SlidingWorkload.makeOperator(size: size, slide: slide, paned: true)
            _ = original.run(Array(steps[..<cut]))
            // Fired windows still within lateness: rows after the cut can update them.
            let engine = original.engine as! PaneEngine
            if engine.panes.contains(where: { engine.hasLiveFiredWindow(paneStart: $0.start) }) { checkedPending += 1 }
            let updatesBefore = original.counters.lateUpdates
            try expectRestoreContinues(
                original, into: SlidingWorkload.makeOperator(size: size, slide: slide, paned: true), steps: steps,
                cut: cut, expected: expected)
            #expect(original.counters.lateUpdates > updatesBefore)
        }
        #expect(checkedPending >= 3)
    }

    @Test func snapshotsOfTheUnpanedLayoutAreRefusedClearly() throws {
        let op = SlidingWorkload.makeOperator(size: 1_000, slide: 200, paned: true)
        _ = op.run(Array(SlidingWorkload.steps(seed: 3, size: 1_000, slide: 200).prefix(10)))
        let bytes = op.snapshotBytes
        var header = SnapshotWriter()
        header.beginSection(KeyedAggregateOperator.snapshotTag, version: KeyedAggregateOperator.snapshotVersion)
        var old = SnapshotWriter()
        old.beginSection(KeyedAggregateOperator.snapshotTag, version: 1)
        var reader = SnapshotReader(old.bytes + bytes.dropFirst(header.bytes.count))
        let victim = SlidingWorkload.makeOperator(size: 1_000, slide: 200, paned: true)
        do {
            try victim.restore(from: &reader)
            Issue.record("a version 1 snapshot of a sliding window was restored")
        } catch let error as SluiceError {
            #expect(error.message.contains("panes"))
        }
        // Left empty and usable.
        _ = victim.run([.rows([Event(agent: "x", ts: 10)]), .watermark(.max)])
    }

    @Test func eachEventIsLookedUpInOnePane() {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts",
            window: .sliding(sizeMillis: 60_000, slideMillis: 1_000), aggregates: [AggregateSpec("c", .count)])
        _ = op.run([.rows((0..<100).map { Event(agent: "a", ts: Int64($0) * 10) })])
        let engine = op.engine as! PaneEngine
        #expect(engine.panes.count == 1)
        let recording = op.run([.watermark(.max)])
        #expect(recording.mainRows.count == 60)
        #expect(recording.mainRows.allSatisfy { $0["c"] == .int(100) })
    }
}
