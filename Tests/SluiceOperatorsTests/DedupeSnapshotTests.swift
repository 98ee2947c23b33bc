import SluiceCore
import SluiceOperators
import Testing

@Suite("De-duplication snapshots")
struct DedupeSnapshotTests {
    /// Random traffic with redeliveries and watermarks, as steps.
    static func steps(seed: UInt64) -> [JoinTestStep] {
        var rng = JoinTestRandom(seed: seed)
        var steps: [JoinTestStep] = []
        var published: [(String, Int64)] = []
        var n: Int64 = 0
        for step in 0..<200 {
            var rows: [(id: String?, ts: Int64?, n: Int64)] = []
            for _ in 0..<Int.random(in: 1...10, using: &rng) {
                if !published.isEmpty, Int.random(in: 0..<3, using: &rng) == 0 {
                    let event = published[Int.random(in: max(0, published.count - 150)..<published.count, using: &rng)]
                    rows.append((event.0, event.1, n))
                } else {
                    let event = ("evt-\(published.count)", Int64(step) * 10 + Int64.random(in: 0..<30, using: &rng))
                    published.append(event)
                    rows.append((event.0, event.1, n))
                }
                n += 1
            }
            steps.append(.rows(input: 0, DedupeTests.batch(rows)))
            if Bool.random(using: &rng) { steps.append(.watermark(Int64(step) * 10 - 20)) }
        }
        steps.append(.watermark(.max))
        return steps
    }

    @Test("snapshot mid-stream, restore into a fresh operator, continue: same output as uninterrupted",
          arguments: [UInt64(2), 31, 500])
    func restoreAndContinue(seed: UInt64) throws {
        let steps = Self.steps(seed: seed)
        let make = { DedupeTests.make(horizon: 300) as any StreamOperator }
        let uninterrupted = JoinTestHarness.run(make(), steps[...])
        #expect(uninterrupted.contains { $0.port == 1 })
        for cut in [1, steps.count / 3, steps.count / 2, steps.count - 2] {
            let (rows, sameSnapshot, _) = try JoinTestHarness.runWithRestore(make(), fresh: make, steps: steps, cut: cut)
            #expect(rows == uninterrupted, "cut at step \(cut)")
            #expect(sameSnapshot, "restored state snapshots to the same bytes (cut \(cut))")
        }
    }

    @Test("the same ids in another arrival order give the same snapshot bytes")
    func orderIndependentBytes() {
        let rows: [(id: String?, ts: Int64?, n: Int64)] = (0..<100).map { ("id-\($0)", Int64($0 * 7), Int64($0)) }
        let a = DedupeTests.make()
        let b = DedupeTests.make()
        var out = OperatorOutput()
        a.process(DedupeTests.batch(rows), input: 0, into: &out)
        b.process(DedupeTests.batch(rows.reversed()), input: 0, into: &out)
        var wa = SnapshotWriter()
        var wb = SnapshotWriter()
        a.snapshot(into: &wa)
        b.snapshot(into: &wb)
        #expect(wa.bytes == wb.bytes)
    }

    @Test("restore rejects another horizon and damaged bytes")
    func rejectsBadSnapshots() {
        let dedupe = DedupeTests.make(horizon: 1000)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("a", 1, 1), ("b", 2, 2)]), input: 0, into: &out)
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        #expect(throws: SluiceError.self) { try DedupeTests.make(horizon: 999).restore(from: &reader) }
        var truncated = SnapshotReader(Array(writer.bytes.dropLast(5)))
        #expect(throws: SluiceError.self) { try DedupeTests.make(horizon: 1000).restore(from: &truncated) }
    }
}
