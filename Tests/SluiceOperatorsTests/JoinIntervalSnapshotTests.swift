import SluiceCore
import SluiceOperators
import Testing

@Suite("Interval join snapshots")
struct JoinIntervalSnapshotTests {
    typealias H = JoinTestHarness

    @Test("snapshot mid-stream, restore into a fresh join, continue: same output as uninterrupted",
          arguments: [UInt64(3), 99, 2024])
    func restoreAndContinue(seed: UInt64) throws {
        var rng = JoinTestRandom(seed: seed)
        let left = H.randomRows(count: 250, keys: 5, start: 50_000, spacing: 8, right: false, rng: &rng)
        let right = H.randomRows(count: 250, keys: 5, start: 50_000, spacing: 8, right: true, rng: &rng)
        let steps = H.schedule(left: left, right: right, maxDelay: 40, rng: &rng)
        let make = { JoinIntervalTests.makeJoin(lower: -30, upper: 60, unmatched: true) as any StreamOperator }
        let uninterrupted = H.run(make(), steps[...])
        for cut in [1, steps.count / 3, steps.count / 2, steps.count - 2] {
            let (rows, sameSnapshot, _) = try H.runWithRestore(make(), fresh: make, steps: steps, cut: cut)
            #expect(rows == uninterrupted, "cut at step \(cut)")
            #expect(sameSnapshot, "restored state snapshots to the same bytes (cut \(cut))")
        }
    }

    @Test("snapshots of equal state are equal bytes, whatever was compacted before")
    func deterministicBytes() {
        let a = JoinIntervalTests.makeJoin(lower: 0, upper: 10, unmatched: true)
        let b = JoinIntervalTests.makeJoin(lower: 0, upper: 10, unmatched: true)
        var out = OperatorOutput()
        // a sees extra rows that expire; b only the survivors. Live state ends up equal.
        a.process(H.batch((0..<200).map { JoinTestRow(key: "old\($0)", ts: Int64($0), payload: .int(1)) }, schema: H.leftSchema), input: 0, into: &out)
        a.advanceWatermark(to: 1000, into: &out)
        b.advanceWatermark(to: 1000, into: &out)
        let live = [JoinTestRow(key: "x", ts: 1000, payload: .int(5)), JoinTestRow(key: "y", ts: 1003, payload: .null)]
        a.process(H.batch(live, schema: H.leftSchema), input: 0, into: &out)
        b.process(H.batch(live, schema: H.leftSchema), input: 0, into: &out)
        var wa = SnapshotWriter()
        var wb = SnapshotWriter()
        a.snapshot(into: &wa)
        b.snapshot(into: &wb)
        #expect(wa.bytes == wb.bytes)
    }

    @Test("restore rejects a snapshot of a different spec and a truncated one")
    func rejectsBadSnapshots() {
        let join = JoinIntervalTests.makeJoin(lower: 0, upper: 10, unmatched: true)
        var out = OperatorOutput()
        join.process(H.batch([JoinTestRow(key: "a", ts: 5, payload: .int(1))], schema: H.leftSchema), input: 0, into: &out)
        var writer = SnapshotWriter()
        join.snapshot(into: &writer)

        let other = JoinIntervalTests.makeJoin(lower: 0, upper: 20, unmatched: true)
        var reader = SnapshotReader(writer.bytes)
        #expect(throws: SluiceError.self) { try other.restore(from: &reader) }

        let same = JoinIntervalTests.makeJoin(lower: 0, upper: 10, unmatched: true)
        var truncated = SnapshotReader(Array(writer.bytes.dropLast(3)))
        #expect(throws: SluiceError.self) { try same.restore(from: &truncated) }
    }
}
