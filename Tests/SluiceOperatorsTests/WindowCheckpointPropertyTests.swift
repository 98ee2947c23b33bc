import SluiceCore
import Testing

@testable import SluiceOperators

/// Property: a run checkpointed at random steps — each time snapshotted, restored into a
/// fresh operator that carries on — emits exactly what an uninterrupted run emits, and each
/// restored operator snapshots to the very bytes it was restored from. Random streams
/// (disorder, late rows, ticks), random checkpoint steps, every window engine and every
/// aggregate (so both the column path of table snapshots and the per-slot path of sessions).
@Suite struct WindowCheckpointPropertyTests {
    static let modes = SnapshotSubject.modes

    private func makeOperator(_ window: WindowSpec?) -> KeyedAggregateOperator { SnapshotSubject.make(window) }

    @Test(arguments: modes)
    func checkpointedAtRandomStepsEqualsUninterrupted(window: WindowSpec?) throws {
        for seed in UInt64(100)..<UInt64(106) {
            let steps = WindowSnapshotTests.steps(seed: seed)
            let uninterrupted = makeOperator(window)
            let expected = steps.map { uninterrupted.run([$0]) }

            var rng = SplitMix64(seed: seed &* 7919)
            var live = makeOperator(window)
            var got: [Recording] = []
            var checkpoints = 0
            for (i, step) in steps.enumerated() {
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    let bytes = live.snapshotBytes
                    let fresh = makeOperator(window)
                    var reader = SnapshotReader(bytes)
                    try fresh.restore(from: &reader)
                    #expect(reader.isAtEnd, "seed \(seed), step \(i)")
                    #expect(fresh.snapshotBytes == bytes, "seed \(seed), step \(i)")
                    live = fresh
                    checkpoints += 1
                }
                got.append(live.run([step]))
            }
            #expect(checkpoints > 0)
            #expect(render(got.flatMap(\.main)) == render(expected.flatMap(\.main)), "seed \(seed)")
            #expect(render(got.flatMap(\.late)) == render(expected.flatMap(\.late)), "seed \(seed)")
            #expect(render(got.flatMap(\.retractions)) == render(expected.flatMap(\.retractions)), "seed \(seed)")
            #expect(live.snapshotBytes == uninterrupted.snapshotBytes, "seed \(seed)")
        }
    }
}
