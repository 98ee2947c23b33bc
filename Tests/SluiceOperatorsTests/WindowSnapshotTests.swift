import SluiceCore
import Testing

@testable import SluiceOperators

/// Snapshot mid-stream, restore into a fresh operator, continue: the outputs equal an
/// uninterrupted run, row for row.
@Suite struct WindowSnapshotTests {
    static let modes = SnapshotSubject.modes

    private func makeOperator(_ window: WindowSpec?) -> KeyedAggregateOperator { SnapshotSubject.make(window) }

    /// Batches of roughly time-ordered events (one in ten up to 9 s out of order against
    /// a 2 s watermark bound, so some rows update fired windows and some are late),
    /// watermarks and processing-time ticks.
    static func steps(seed: UInt64) -> [Step] {
        var rng = SplitMix64(seed: seed)
        var steps: [Step] = []
        var now: Int64 = 0
        var maxTime: Int64 = .min
        var base: Int64 = 1_000_000
        for _ in 0..<30 {
            var events = TestInput.randomEvents(
                count: Int.random(in: 20...120, using: &rng), agents: 4, span: 1, rng: &rng)
            for i in events.indices {
                base += Int64.random(in: 0...40, using: &rng)
                let disorder: Int64 = Int.random(in: 0..<10, using: &rng) == 0 ? 9_000 : 1_500
                events[i].ts = base - Int64.random(in: 0...disorder, using: &rng)
                maxTime = max(maxTime, events[i].ts!)
            }
            steps.append(.rows(events))
            steps.append(.watermark(maxTime - 2_000))
            if Bool.random(using: &rng) {
                now += Int64.random(in: 200...1_500, using: &rng)
                steps.append(.tick(now))
            }
        }
        steps.append(.watermark(.max))
        return steps
    }

    @Test(arguments: modes)
    func restoredOperatorContinuesExactlyLikeTheOriginal(window: WindowSpec?) throws {
        let steps = Self.steps(seed: 31)
        let uninterrupted = makeOperator(window)
        let expected = steps.map { uninterrupted.run([$0]) }
        if window != nil {
            #expect(uninterrupted.counters.late > 0)
            #expect(uninterrupted.counters.lateUpdates > 0)
        }

        for cut in [9, 28, 47] {
            let original = makeOperator(window)
            _ = original.run(Array(steps[..<cut]))
            try expectRestoreContinues(original, into: makeOperator(window), steps: steps, cut: cut, expected: expected)
        }
    }

    @Test func snapshotsStoreKeysAsStrings() {
        let op = makeOperator(.tumbling(sizeMillis: 1_000))
        _ = op.run([.rows([Event(agent: "agent-000123", ts: 5, value: 1, label: "lateral")])])
        let bytes = op.snapshotBytes
        let needle = Array("agent-000123".utf8)
        #expect(bytes.indices.contains { i in bytes[i...].starts(with: needle) })
    }

    @Test func damagedOrForeignSnapshotsAreRejected() throws {
        let op = makeOperator(.session(gapMillis: 300))
        _ = op.run(Array(Self.steps(seed: 4).prefix(6)))
        let bytes = op.snapshotBytes

        let victim = makeOperator(.session(gapMillis: 300))
        var truncated = SnapshotReader(Array(bytes.dropLast(7)))
        #expect(throws: SluiceError.self) { try victim.restore(from: &truncated) }
        // Left empty and usable.
        #expect(victim.stateBytes < op.stateBytes)
        _ = victim.run([.rows([Event(agent: "x", ts: 10)]), .watermark(.max)])

        let other = makeOperator(.session(gapMillis: 400))
        var foreign = SnapshotReader(bytes)
        #expect(throws: SluiceError.self) { try other.restore(from: &foreign) }
    }
}
