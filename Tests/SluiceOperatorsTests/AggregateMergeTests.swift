import SluiceCore
import Testing

@testable import SluiceOperators

/// The create / add / merge / result contract of every aggregate state: merge is
/// associative, has the empty state as identity, and merging the states of consecutive
/// row sets equals adding all rows to one state.
@Suite struct AggregateMergeTests {
    /// A context holding `spec`'s plan, for preparing arguments and reading results.
    private func context(_ spec: AggregateSpec) -> AggregationContext {
        let plan = AggregatePlan([spec])
        return AggregationContext(
            plan: plan, encoder: KeyEncoder(schema: TestInput.schema, keyNames: ["agent"]), timeColumn: 2,
            outputSchema: Schema(plan.fields), windowed: false, allowedLateness: 0, partialEvery: nil)
    }

    /// Accumulators with `parts[i]` of the batch rows added to slot i.
    private func accumulators(
        _ context: inout AggregationContext, _ batch: Batch, parts: [[Int32]]
    ) -> [any Accumulator] {
        let accumulators = context.plan.makeAccumulators()
        for accumulator in accumulators { accumulator.ensureSlots(parts.count) }
        let arguments = context.prepareArguments(batch)
        var rows: [Int32] = []
        var slots: [Int32] = []
        for (slot, part) in parts.enumerated() {
            rows.append(contentsOf: part)
            slots.append(contentsOf: repeatElement(Int32(slot), count: part.count))
        }
        // Row order matters for first/last ties: keep each part's rows in order.
        context.accumulate(accumulators, rows: rows, slots: slots, arguments: arguments, times: batch.columns[2].ints)
        return accumulators
    }

    private func merge(_ accumulators: [any Accumulator], into a: Int, from b: Int, _ context: AggregationContext) {
        for accumulator in accumulators {
            accumulator.merge(into: a, from: accumulator, slot: b, strings: context.interner.strings)
        }
    }

    private func result(_ accumulators: [any Accumulator], slot: Int32, _ context: AggregationContext) -> Value {
        var column = OutputColumnBuilder(type: context.plan.fields[0].type)
        var roundedSums: [Int: [Double]] = [:]
        context.plan.recipes[0].appendResults(
            of: [slot], from: accumulators, strings: context.interner.strings, roundedSums: &roundedSums,
            into: &column)
        return column.finish().value(at: 0)
    }

    private func stateBytes(_ accumulators: [any Accumulator], slot: Int32, _ context: AggregationContext) -> [UInt8] {
        var writer = SnapshotWriter()
        for accumulator in accumulators {
            accumulator.write(slots: [slot], into: &writer, strings: context.interner.strings)
        }
        return writer.bytes
    }

    @Test(arguments: AggregateReference.specs.map(\.spec.output))
    func mergeIsAssociativeAndMatchesOneState(output: String) {
        let spec = AggregateReference.specs.first { $0.spec.output == output }!.spec
        var rng = SplitMix64(seed: 99)
        // Few distinct times, so first/last ties across parts are exercised.
        var events = TestInput.randomEvents(count: 900, agents: 1, span: 50, nullRate: 0.2, rng: &rng)
        events[0].ts = 7
        let batch = TestInput.batch(events)
        let cut1 = Int32(300)
        let cut2 = Int32(620)
        let partA = Array(0..<cut1)
        let partB = Array(cut1..<cut2)
        let partC = Array(cut2..<Int32(events.count))
        var context = context(spec)

        // ((a ⊕ b) ⊕ c) in slot 0.
        let left = accumulators(&context, batch, parts: [partA, partB, partC])
        merge(left, into: 0, from: 1, context)
        merge(left, into: 0, from: 2, context)
        // (a ⊕ (b ⊕ c)) in slot 0.
        let right = accumulators(&context, batch, parts: [partA, partB, partC])
        merge(right, into: 1, from: 2, context)
        merge(right, into: 0, from: 1, context)
        // Everything added to one state, and a ⊕ empty.
        let whole = accumulators(&context, batch, parts: [partA + partB + partC, []])
        merge(whole, into: 0, from: 1, context)
        let empty = accumulators(&context, batch, parts: [[], partA + partB + partC])
        merge(empty, into: 0, from: 1, context)

        let results = [left, right, whole, empty].map { result($0, slot: 0, context) }
        for r in results.dropFirst() {
            #expect(AggregateReference.matches(r, results[0], kind: spec.kind), "\(output): \(r) vs \(results[0])")
        }
        let floating = [.avg, .stddev].contains(spec.kind) || (spec.kind == .sum && spec.argument?.type == .double)
        if [.sum, .avg].contains(spec.kind) {
            // Exact sums: the same bits however the parts were merged.
            #expect(Set(results.map { "\($0)" }).count == 1, "\(output): \(results)")
        }
        if !floating {
            let bytes = [left, right, whole, empty].map { stateBytes($0, slot: 0, context) }
            #expect(Set(bytes).count == 1, "\(output): merged states differ")
        }
        let expected = AggregateReference.result(spec.kind, AggregateReference.specs.first { $0.spec.output == output }!.argument, parameter: spec.parameter, events)
        #expect(AggregateReference.matches(results[2], expected, kind: spec.kind), "\(output): \(results[2]) vs \(expected)")
    }

    /// -0.0 and 0.0 compare equal: min is -0.0 and max 0.0 whichever came first, whether
    /// added to one state or merged from two in either order, slot by slot or as a list.
    @Test func minAndMaxOfSignedZerosDoNotDependOnArrivalOrder() {
        for kind in [AggregateKind.min, .max] {
            let spec = AggregateSpec("extreme", kind, TestInput.column("value"))
            for order in [[0.0, -0.0], [-0.0, 0.0]] {
                let batch = TestInput.batch(order.map { Event(agent: "a", ts: 10, value: $0) })
                var context = context(spec)
                let added = accumulators(&context, batch, parts: [[0, 1], []])
                let merged = accumulators(&context, batch, parts: [[0], [1]])
                merge(merged, into: 0, from: 1, context)
                let mergedBack = accumulators(&context, batch, parts: [[1], [0]])
                merge(mergedBack, into: 0, from: 1, context)
                // The slot-list merge (sliding windows' panes).
                let mergedAsList = accumulators(&context, batch, parts: [[0], [1]])
                for accumulator in mergedAsList {
                    accumulator.merge(into: [0], from: accumulator, slots: [1], strings: context.interner.strings)
                }
                for state in [added, merged, mergedBack, mergedAsList] {
                    let value = result(state, slot: 0, context)
                    guard case .double(let v) = value else {
                        Issue.record("\(kind) of \(order): \(value)")
                        continue
                    }
                    #expect(v == 0 && v.sign == (kind == .min ? .minus : .plus), "\(kind) of \(order): \(v)")
                }
            }
        }
    }

    /// "é" as one scalar and as "e" plus a combining accent are equal to `String`: min and
    /// max pick one of them by bytes, whichever came first, added or merged. (Each comes in
    /// a batch of its own: a batch builder keeps one dictionary entry for equal strings.)
    @Test func minAndMaxOfEquivalentStringsDoNotDependOnArrivalOrder() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        // The composed form's bytes (C3 A9) sort after the decomposed form's (65 CC 81).
        for (kind, expected) in [(AggregateKind.min, decomposed), (.max, composed)] {
            let spec = AggregateSpec("extreme", kind, TestInput.column("label"))
            for order in [[composed, decomposed], [decomposed, composed]] {
                let batches = order.map { TestInput.batch([Event(agent: "a", ts: 10, label: $0)]) }
                var context = context(spec)
                // Both batches added to one state, in this order.
                let added = context.plan.makeAccumulators()
                for accumulator in added { accumulator.ensureSlots(1) }
                for batch in batches {
                    context.accumulate(
                        added, rows: [0], slots: [0], arguments: context.prepareArguments(batch),
                        times: batch.columns[2].ints)
                }
                // One state per batch, merged into the first's slot and the other way.
                let first = accumulators(&context, batches[0], parts: [[0]])
                let second = accumulators(&context, batches[1], parts: [[0]])
                for (a, b) in zip(first, second) { a.merge(into: 0, from: b, slot: 0, strings: context.interner.strings) }
                let firstAgain = accumulators(&context, batches[0], parts: [[0]])
                let secondAgain = accumulators(&context, batches[1], parts: [[0]])
                for (a, b) in zip(secondAgain, firstAgain) {
                    a.merge(into: 0, from: b, slot: 0, strings: context.interner.strings)
                }
                for state in [added, first, secondAgain] {
                    let value = result(state, slot: 0, context)
                    guard case .string(let s) = value else {
                        Issue.record("\(kind) of \(order): \(value)")
                        continue
                    }
                    #expect(Array(s.utf8) == Array(expected.utf8), "\(kind) of \(order): \(Array(s.utf8))")
                }
            }
        }
    }

    @Test func resetReturnsASlotToEmpty() {
        for (spec, _) in AggregateReference.specs {
            var rng = SplitMix64(seed: 5)
            let events = TestInput.randomEvents(count: 50, agents: 1, span: 100, nullRate: 0, rng: &rng)
            var context = context(spec)
            let state = accumulators(&context, TestInput.batch(events), parts: [Array(0..<50), []])
            for accumulator in state { accumulator.reset(0) }
            #expect(stateBytes(state, slot: 0, context) == stateBytes(state, slot: 1, context), "\(spec.output)")
        }
    }
}
