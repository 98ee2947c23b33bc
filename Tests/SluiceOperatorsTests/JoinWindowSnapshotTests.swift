import SluiceCore
import SluiceOperators
import Testing

@Suite("Window join snapshots")
struct JoinWindowSnapshotTests {
    typealias H = JoinTestHarness

    @Test("snapshot mid-stream, restore into a fresh join, continue: same output as uninterrupted",
          arguments: [(Int64(80), Int64?.none), (80, 20)], [UInt64(5), 77])
    func restoreAndContinue(window: (size: Int64, slide: Int64?), seed: UInt64) throws {
        var rng = JoinTestRandom(seed: seed)
        let left = H.randomRows(count: 250, keys: 5, start: 0, spacing: 7, right: false, rng: &rng)
        let right = H.randomRows(count: 250, keys: 5, start: 0, spacing: 7, right: true, rng: &rng)
        let steps = H.schedule(left: left, right: right, maxDelay: 40, rng: &rng)
        let make = { JoinWindowTests.makeJoin(size: window.size, slide: window.slide) as any StreamOperator }
        let uninterrupted = H.run(make(), steps[...])
        #expect(!uninterrupted.isEmpty)
        for cut in [1, steps.count / 4, steps.count / 2, steps.count - 2] {
            let (rows, sameSnapshot, _) = try H.runWithRestore(make(), fresh: make, steps: steps, cut: cut)
            #expect(rows == uninterrupted, "cut at step \(cut)")
            #expect(sameSnapshot, "restored state snapshots to the same bytes (cut \(cut))")
        }
    }

    @Test("restore rejects a snapshot taken with other windows")
    func rejectsOtherWindows() {
        let join = JoinWindowTests.makeJoin(size: 10, slide: nil)
        var writer = SnapshotWriter()
        join.snapshot(into: &writer)
        let other = JoinWindowTests.makeJoin(size: 10, slide: 5)
        var reader = SnapshotReader(writer.bytes)
        #expect(throws: SluiceError.self) { try other.restore(from: &reader) }
    }
}
