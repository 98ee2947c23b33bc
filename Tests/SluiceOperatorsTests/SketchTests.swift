import SluiceCore
import Testing

@testable import SluiceOperators

@Suite struct SketchTests {
    // MARK: HyperLogLog

    @Test func hyperLogLogIsExactWhileSparse() {
        var sketch = HyperLogLog()
        for i in 0..<Int64(HyperLogLog.sparseLimit) {
            sketch.insert(ValueHash.int(i))
            sketch.insert(ValueHash.int(i))
        }
        #expect(!sketch.isDense)
        #expect(sketch.estimate == Int64(HyperLogLog.sparseLimit))
        // Array capacities round up with the allocator's size classes: allow one cache line.
        #expect(sketch.memoryBytes <= HyperLogLog.sparseLimit * 8 * 2 + 64)
        sketch.insert(ValueHash.int(-1))
        #expect(sketch.isDense)
        #expect(abs(sketch.estimate - 257) <= 3)

        var small = HyperLogLog()
        for i in 0..<5 { small.insert(ValueHash.string("agent-\(i)")) }
        #expect(small.estimate == 5)
        #expect(small.memoryBytes < 100)
    }

    @Test(arguments: [1_000, 5_000, 20_000, 200_000])
    func hyperLogLogStaysWithinThreeStandardErrors(cardinality: Int) {
        var sketch = HyperLogLog()
        for i in 0..<cardinality { sketch.insert(ValueHash.int(Int64(i) &* 7_919 &+ 13)) }
        let error = abs(Double(sketch.estimate - Int64(cardinality))) / Double(cardinality)
        #expect(error <= 3 * HyperLogLog.relativeStandardError, "n=\(cardinality) estimate \(sketch.estimate)")
    }

    @Test func hyperLogLogErrorMatchesTheDocumentedStandardError() {
        // 24 independent sketches of 10,000 distinct values: the root-mean-square relative
        // error estimates the standard error (documented 1.04/√4096 ≈ 1.6%).
        var rng = SplitMix64(seed: 11)
        var squares = 0.0
        let trials = 24
        for _ in 0..<trials {
            var sketch = HyperLogLog()
            for _ in 0..<10_000 { sketch.insert(rng.next()) }
            let error = Double(sketch.estimate - 10_000) / 10_000
            squares += error * error
        }
        let rms = (squares / Double(trials)).squareRoot()
        #expect(rms < 1.5 * HyperLogLog.relativeStandardError, "rms relative error \(rms)")
    }

    @Test func hyperLogLogMergeIsTheSketchOfTheUnion() {
        var a = HyperLogLog()
        var b = HyperLogLog()
        var all = HyperLogLog()
        for i in 0..<3_000 {
            let hash = ValueHash.int(Int64(i))
            if i % 3 == 0 { a.insert(hash) } else { b.insert(hash) }
            if i % 5 == 0 { a.insert(hash) }
            all.insert(hash)
        }
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        #expect(ab == all)
        #expect(ba == all)
        var sparse = HyperLogLog()
        sparse.insert(ValueHash.int(1))
        var dense = all
        dense.merge(sparse)
        #expect(dense == all)
        sparse.merge(all)
        #expect(sparse == all)
    }

    // MARK: DDSketch

    private func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
        sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
    }

    @Test func quantileSketchKeepsOnePercentRelativeAccuracy() {
        var rng = SplitMix64(seed: 3)
        var values: [Double] = []
        for i in 0..<20_000 {
            // Log-uniform magnitudes over 12 decades, both signs, and some exact zeros.
            let magnitude = SketchMath.exponential(Double.random(in: -14...14, using: &rng))
            values.append(i % 50 == 0 ? 0 : (i % 3 == 0 ? -magnitude : magnitude))
        }
        var sketch = QuantileSketch()
        for v in values { sketch.add(v) }
        let sorted = values.sorted()
        for q in stride(from: 0.0, through: 1.0, by: 0.005) {
            let exact = exactQuantile(sorted, q)
            let estimate = sketch.quantile(q)!
            #expect(
                abs(estimate - exact) <= QuantileSketch.relativeAccuracy * abs(exact) * (1 + 1e-9),
                "q=\(q): \(estimate) vs \(exact)")
        }
        #expect(sketch.count == 20_000)
        // 28 e-folds at 1% accuracy: about 50 buckets per e-fold, per sign.
        #expect(sketch.bins.count < 2 * 1_500 + 1)
    }

    @Test func quantileSketchHandlesExtremesAndIgnoresNaN() {
        var sketch = QuantileSketch()
        for v in [-Double.infinity, -Double.greatestFiniteMagnitude, -Double.leastNormalMagnitude / 1024, 0, Double.leastNonzeroMagnitude, 1,
            Double.greatestFiniteMagnitude, .infinity, .nan]
        {
            sketch.add(v)
        }
        #expect(sketch.count == 8)
        #expect(sketch.quantile(0) == -.infinity)
        #expect(sketch.quantile(1) == .infinity)
        let sorted: [Double] = [
            -.infinity, -.greatestFiniteMagnitude, -Double.leastNormalMagnitude / 1024, 0, .leastNonzeroMagnitude, 1, .greatestFiniteMagnitude,
            .infinity,
        ]
        for (i, exact) in sorted.enumerated() where exact.isFinite {
            let estimate = sketch.quantile(Double(i) / 7)!
            if exact != 0 && exact.magnitude < .leastNormalMagnitude {
                #expect(abs(estimate - exact) < 2.3e-308, "rank \(i): \(estimate) vs \(exact)")
            } else {
                #expect(abs(estimate - exact) <= 0.0101 * abs(exact), "rank \(i): \(estimate) vs \(exact)")
            }
        }
        #expect(QuantileSketch().quantile(0.5) == nil)
    }

    @Test func quantileSketchMergeIsExact() {
        var rng = SplitMix64(seed: 8)
        var a = QuantileSketch()
        var b = QuantileSketch()
        var all = QuantileSketch()
        for i in 0..<5_000 {
            let v = Double.random(in: -1_000...1_000, using: &rng)
            if i % 2 == 0 { a.add(v) } else { b.add(v) }
            all.add(v)
        }
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        #expect(ab == all)
        #expect(ba == all)
        var empty = QuantileSketch()
        empty.merge(all)
        #expect(empty == all)
    }

    @Test func smallSketchesKeepTheirBinsInlineAndAgreeWithAReference() {
        // Sketches of a few buckets live inline; more move to the heap. Either way the bins
        // are the ordinals' exact counts, and add, merge and snapshot bins agree.
        var rng = SplitMix64(seed: 44)
        for trial in 0..<400 {
            let n = trial % 16
            let palette = [0.0, 1, -1, 2.5, 1_000, 1_000.5, -7e-3, 3e9, 42, -42, 0.5, 77_777]
            let values = (0..<n).map { _ in palette[Int(rng.next() % UInt64(1 + trial % palette.count))] }
            var reference: [Int32: Int64] = [:]
            for v in values { reference[QuantileSketch.ordinal(of: v), default: 0] += 1 }
            let expected = reference.keys.sorted().map { QuantileSketch.Bin(ordinal: $0, count: reference[$0]!) }

            var added = QuantileSketch()
            for v in values { added.add(v) }
            #expect(added.bins == expected, "\(values)")
            #expect(added.count == Int64(n))
            #expect(QuantileSketch(bins: expected) == added)

            var left = QuantileSketch()
            var right = QuantileSketch()
            for (i, v) in values.enumerated() { if i % 3 == 0 { left.add(v) } else { right.add(v) } }
            left.merge(right)
            #expect(left == added)
            #expect(left.bins == expected)

            let sorted = values.sorted()
            for q in [0.0, 0.25, 0.5, 0.95, 1] where !sorted.isEmpty {
                let exact = exactQuantile(sorted, q)
                #expect(abs(added.quantile(q)! - exact) <= QuantileSketch.relativeAccuracy * abs(exact) * (1 + 1e-9))
            }
        }
    }

    @Test func theLiteralConstantsAreTheComputedOnes() {
        let gamma = (1 + QuantileSketch.relativeAccuracy) / (1 - QuantileSketch.relativeAccuracy)
        #expect(QuantileSketch.gamma.bitPattern == gamma.bitPattern)
        #expect(QuantileSketch.logGamma.bitPattern == SketchMath.ln(gamma).bitPattern)
    }

    @Test func theInlineLogarithmGivesTheBucketsOfLog() {
        // Every bucket boundary γⁱ of normal doubles, the doubles next to it and halfway to
        // the next, and a million random magnitudes: the inline path and `log` agree.
        var checked = 0
        func check(_ magnitude: Double) {
            guard magnitude.isFinite, magnitude > 0 else { return }
            checked += 1
            let fast = QuantileSketch.bucketIndex(of: magnitude)
            let exact = QuantileSketch.exactBucketIndex(of: magnitude)
            if fast != exact { Issue.record("\(magnitude) (\(magnitude.bitPattern)): \(fast) != \(exact)") }
        }
        for i in -35_500...35_500 {
            let boundary = SketchMath.exponential(Double(i) * QuantileSketch.logGamma)
            var near = boundary
            for _ in 0..<4 { near = near.nextDown }
            for _ in 0..<9 {
                check(near)
                near = near.nextUp
            }
            check(boundary * (1 + QuantileSketch.relativeAccuracy))
            // Just outside the fallback's margin (1e-7 of a bucket), where the inline path decides.
            for offset in [-1.5e-7, 1.5e-7, -1e-6, 1e-6] {
                check(SketchMath.exponential((Double(i) + offset) * QuantileSketch.logGamma))
            }
        }
        var rng = SplitMix64(seed: 2_026)
        for _ in 0..<1_000_000 {
            let bits = rng.next() & 0x7fff_ffff_ffff_ffff
            check(Double(bitPattern: bits))
        }
        for value in [Double.leastNormalMagnitude, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1, 2, 0.5, 1e-300] {
            check(value)
        }
        #expect(checked > 1_700_000)
    }

    @Test func everyInlineLaneIsFoundAgain() {
        // Twelve buckets fill the twelve lanes; each is then hit again in an order that
        // visits every lane first, last and in between, and the counts must follow.
        let values = (0..<12).map { SketchMath.exponential(Double($0) * SketchMath.ln(1.05)) * (($0 % 2 == 0) ? 1 : -1) }
        var sketch = QuantileSketch()
        var reference: [Int32: Int64] = [:]
        for v in values {
            sketch.add(v)
            reference[QuantileSketch.ordinal(of: v), default: 0] += 1
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let v = values[Int(rng.next() % 12)]
            sketch.add(v)
            reference[QuantileSketch.ordinal(of: v), default: 0] += 1
        }
        #expect(sketch.memoryBytes == 0, "twelve buckets must stay inline")
        #expect(sketch.bins == reference.keys.sorted().map { QuantileSketch.Bin(ordinal: $0, count: reference[$0]!) })
        sketch.add(1e6)
        #expect(sketch.memoryBytes > 0, "a thirteenth bucket moves the bins to the heap")
    }

    @Test func heapBinsCountEveryOrdinalWhereverItFalls() {
        // Values over eight decades in random order: bins are inserted before, between and
        // after the ones there, and found again at every position of heap arrays from 13
        // bins (where a sketch spills) to several hundred.
        // `sluice_lower_bound_i32` reads each bin's ordinal as the first 4 of 16 bytes.
        #expect(MemoryLayout<QuantileSketch.Bin>.offset(of: \.ordinal) == 0)
        #expect(MemoryLayout<QuantileSketch.Bin>.stride == 16)
        var rng = SplitMix64(seed: 99)
        for trial in 0..<40 {
            var sketch = QuantileSketch()
            var reference: [Int32: Int64] = [:]
            for _ in 0..<(50 + trial * 20) {
                let magnitude = SketchMath.exponential((Double(rng.next() % 8_000) / 1_000 - 3) * SketchMath.ln(10))
                let v = rng.next() % 5 == 0 ? -magnitude : magnitude
                sketch.add(v)
                reference[QuantileSketch.ordinal(of: v), default: 0] += 1
                if rng.next() % 3 == 0 {
                    let known = reference.keys.sorted()
                    let again = known[Int(rng.next() % UInt64(known.count))]
                    sketch.add(QuantileSketch.value(of: again))
                    reference[again, default: 0] += 1
                }
            }
            let expected = reference.keys.sorted().map { QuantileSketch.Bin(ordinal: $0, count: reference[$0]!) }
            #expect(sketch.bins == expected, "trial \(trial)")
        }
    }

    @Test func inlineQuantilesPickTheBinOfTheirRankFromEitherEnd() {
        // The inline selection walks bins from the nearer end: every rank, from both
        // ends and the middle, must land on the bin that the ascending bins give it.
        var rng = SplitMix64(seed: 45)
        let palette = [0.0, 1, -1, 2.5, 1_000, -1_000.5, -7e-3, 3e9, 42, -42, 0.5, 77_777, 1e-30]
        for trial in 0..<600 {
            let n = 1 + trial % 40
            let kinds = 1 + trial % palette.count
            var sketch = QuantileSketch()
            for _ in 0..<n { sketch.add(palette[Int(rng.next() % UInt64(kinds))]) }
            let bins = sketch.bins
            #expect(sketch.memoryBytes == 0, "stays inline: at most 12 non-zero bins")
            for step in 0...40 {
                let q = Double(step) / 40
                let rank = Int64((q * Double(n - 1)).rounded(.down))
                var seen: Int64 = 0
                let bin = bins.first { bin in
                    seen += bin.count
                    return seen > rank
                }!
                #expect(sketch.quantile(q) == QuantileSketch.value(of: bin.ordinal), "q \(q), bins \(bins)")
            }
        }
    }

    @Test func aBinCountingPastSixteenBitsMovesTheSketchToTheHeap() {
        var sketch = QuantileSketch()
        sketch.add(-3)
        for _ in 0..<70_000 { sketch.add(5) }
        #expect(sketch.count == 70_001)
        #expect(sketch.bins.map(\.count) == [1, 70_000])
        #expect(sketch.memoryBytes > 0)
        #expect(QuantileSketch(bins: sketch.bins) == sketch)
        #expect(abs(sketch.quantile(0.5)! - 5) <= 0.05)
    }

    // MARK: DistinctSet

    @Test func recycledPercentileSlotsStartEmpty() {
        // An expired window's table is reused: its sketches are cleared for the next
        // window's groups (keeping their heap bins' memory), and must then hold only the new
        // values, whether they had spilled or not, and whatever slot count comes next.
        let accumulator = QuantileAccumulator()
        var rng = SplitMix64(seed: 5)
        for (round, groups) in [120, 50, 90, 140].enumerated() {
            accumulator.appendSlots(groups)
            var values = [[Double]](repeating: [], count: groups)
            var rows: [Int32] = []
            var slots: [Int32] = []
            var column: [Double] = []
            for i in 0..<groups * 12 {
                let group = Int(rng.next() % UInt64(groups))
                // Few distinct buckets in some groups (inline), many in others (spilled).
                let value = group % 3 == 0 ? Double(rng.next() % 4) : Double(rng.next() % 100_000) / 7
                values[group].append(value)
                column.append(value)
                rows.append(Int32(i))
                slots.append(Int32(group))
            }
            accumulator.add(
                AccumulatorInput(
                    rows: rows, slots: slots, argument: PreparedArgument(column: Column(doubles: column), hasNulls: false),
                    times: [], strings: []))
            if round == 2 {
                accumulator.reset(3)
                values[3] = []
            }
            #expect(accumulator.slotCount == groups)
            for group in 0..<groups {
                var reference = QuantileSketch()
                for value in values[group] { reference.add(value) }
                #expect(accumulator.sketches[group] == reference, "round \(round), group \(group)")
                #expect(accumulator.quantiles(0.95, of: [Int32(group)]) == [reference.quantile(0.95)])
            }
            accumulator.removeAllSlots()
            #expect(accumulator.slotCount == 0)
        }
    }

    @Test func inlineBinsKeepZerosApartAndSpillWhenOrdinalsAreFarApart() {
        // Zeros do not take a lane; twelve other buckets of either sign fit inline; a bucket
        // index more than 16,383 from the first one's (1e-300 beside 1e300) moves every bin
        // to the heap. The bins are the ordinals' exact counts throughout.
        let cases: [[Double]] = [
            [0, 0, 5, 0, 7, -3],
            (1...12).map { Double($0) * 10 } + [0, 0],
            (1...13).map { Double($0) * 10 },
            [1e-300, 1e300, 0],
            [1e300, 2, 1e-300, 1e-300],
            [-1, 1, 0, -1],
        ]
        for values in cases {
            var reference: [Int32: Int64] = [:]
            for v in values { reference[QuantileSketch.ordinal(of: v), default: 0] += 1 }
            let expected = reference.keys.sorted().map { QuantileSketch.Bin(ordinal: $0, count: reference[$0]!) }
            var sketch = QuantileSketch()
            for v in values { sketch.add(v) }
            #expect(sketch.bins == expected, "\(values)")
            #expect(sketch.count == Int64(values.count))
            #expect(QuantileSketch(bins: expected) == sketch)
            let sorted = values.sorted()
            for q in [0.0, 0.5, 1.0] {
                let exact = sorted[Int((q * Double(values.count - 1)).rounded(.down))]
                #expect(abs(sketch.quantile(q)! - exact) <= 0.0101 * abs(exact), "\(values) q=\(q)")
            }
        }
    }

    @Test func inlineLanesHoldBothSignsWithinTheirOffsetRange() {
        let bias = QuantileSketch.bias
        func value(_ ordinal: Int32) -> Double { QuantileSketch.value(of: ordinal) }
        // Both signs and zero, twelve lanes: inline (no heap bytes), exact bins.
        var mixed = QuantileSketch()
        let signed: [Double] = [-1, 1, -2, 2, 0, -300, 300, 0, 1e-3, -1e-3, 5e6, -5e6, 42, 0]
        for v in signed { mixed.add(v) }
        #expect(mixed.memoryBytes == 0 && mixed.count == Int64(signed.count))
        var reference: [Int32: Int64] = [:]
        for v in signed { reference[QuantileSketch.ordinal(of: v), default: 0] += 1 }
        #expect(mixed.bins == reference.keys.sorted().map { QuantileSketch.Bin(ordinal: $0, count: reference[$0]!) })
        // Offsets of exactly ±16,383 bucket indices stay inline; one more spills.
        for (other, inline) in [(bias + 1_000 + 16_383, true), (bias + 1_000 - 16_383, true), (-(bias + 1_000 + 16_383), true),
            (bias + 1_000 + 16_384, false), (-(bias + 1_000 - 16_384), false)] as [(Int32, Bool)]
        {
            #expect(QuantileSketch.ordinal(of: value(other)) == other)
            var sketch = QuantileSketch()
            sketch.add(value(bias + 1_000))
            sketch.add(value(other))
            #expect((sketch.memoryBytes == 0) == inline, "\(other)")
            #expect(sketch.bins.map(\.ordinal) == [bias + 1_000, other].sorted())
            #expect(QuantileSketch(bins: sketch.bins) == sketch)
        }
        // More zeros than a 16-bit count: the heap takes over, counts exact.
        var zeros = QuantileSketch()
        zeros.add(7)
        for _ in 0..<70_000 { zeros.add(0) }
        #expect(zeros.bins == [QuantileSketch.Bin(ordinal: 0, count: 70_000), QuantileSketch.Bin(ordinal: QuantileSketch.ordinal(of: 7), count: 1)])
        #expect(zeros.memoryBytes > 0)
        // Snapshots of only zeros, and of nothing; merges of inline sketches holding zeros.
        let onlyZeros = QuantileSketch(bins: [QuantileSketch.Bin(ordinal: 0, count: 3)])!
        #expect(onlyZeros.count == 3 && onlyZeros.quantile(0.5) == 0 && onlyZeros.memoryBytes == 0)
        var grown = onlyZeros
        grown.add(-9)
        #expect(grown.bins.map(\.ordinal) == [QuantileSketch.ordinal(of: -9), 0])
        #expect(QuantileSketch(bins: [])!.isEmpty)
        var a = QuantileSketch()
        var b = QuantileSketch()
        for v in [0.0, 3, -3] { a.add(v) }
        for v in [0.0, 0, 3, 8] { b.add(v) }
        a.merge(b)
        var all = QuantileSketch()
        for v in [0.0, 3, -3, 0, 0, 3, 8] { all.add(v) }
        #expect(a == all && a.count == 7)
        // A cleared sketch starts over from a new first bucket.
        var reused = QuantileSketch()
        reused.add(1e-200)
        reused.clear()
        for v in [1e200, 2e200, -1e200] { reused.add(v) }
        #expect(reused.memoryBytes == 0)
        #expect(reused.bins.map(\.ordinal) == [1e200, 2e200, -1e200].map(QuantileSketch.ordinal(of:)).sorted())
    }

    @Test func aClearedSketchKeepsAtMostASmallBuffer() {
        // A slot that once held a wide group must not keep that group's bins for ever.
        var wide = QuantileSketch()
        for i in 1...500 { wide.add(Double(i) * 10) }
        #expect(wide.memoryBytes > QuantileSketch.spilledCapacity * MemoryLayout<QuantileSketch.Bin>.stride)
        wide.clear()
        #expect(wide.memoryBytes == 0 && wide.isEmpty && wide.count == 0)
        var narrow = QuantileSketch()
        for i in 1...14 { narrow.add(Double(i) * 10) }
        let kept = narrow.memoryBytes
        narrow.clear()
        #expect(narrow.memoryBytes == kept && narrow.bins.isEmpty && narrow.quantile(0.5) == nil)
        narrow.add(7)
        #expect(narrow.bins == [QuantileSketch.Bin(ordinal: QuantileSketch.ordinal(of: 7), count: 1)])
    }

    @Test func snapshotBinsWithImpossibleOrdinalsAreRefused() {
        for ordinal in [Int32.min, Int32.max, QuantileSketch.bias + 40_000, QuantileSketch.bias - 40_000, 5] {
            #expect(QuantileSketch(bins: [QuantileSketch.Bin(ordinal: ordinal, count: 1)]) == nil, "\(ordinal)")
        }
        for value in [Double.leastNormalMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, 0, 1] {
            let ordinal = QuantileSketch.ordinal(of: value)
            #expect(QuantileSketch(bins: [QuantileSketch.Bin(ordinal: ordinal, count: 1)]) != nil, "\(value)")
        }
    }

    @Test func distinctSetCountsExactly() {
        var rng = SplitMix64(seed: 21)
        var set = DistinctSet()
        var reference = Set<UInt64>()
        for _ in 0..<20_000 {
            let v = UInt64.random(in: 0..<5_000, using: &rng)
            let hash = ValueHash.bits(v)
            set.insert(hash)
            reference.insert(hash)
        }
        set.insert(0)
        reference.insert(0)
        #expect(set.count == reference.count)
        #expect(set.sortedMembers == reference.sorted())
        var other = DistinctSet()
        for v in 4_000..<6_000 as Range<UInt64> { other.insert(ValueHash.bits(v)) }
        set.formUnion(other)
        #expect(set.count == reference.union((4_000..<6_000 as Range<UInt64>).map(ValueHash.bits)).count)
    }

    @Test func valueHashesOfFixedWidthValuesNeverCollide() {
        var seen = Set<UInt64>()
        for i in -5_000..<5_000 as Range<Int64> { seen.insert(ValueHash.int(i)) }
        #expect(seen.count == 10_000)
        #expect(ValueHash.double(-0.0) == ValueHash.double(0.0))
        #expect(ValueHash.double(.nan) == ValueHash.double(-.nan))
        #expect(ValueHash.bool(true) != ValueHash.bool(false))
        // Stable across processes: a pinned value.
        #expect(ValueHash.int(0) == StableHash.mix(0x9e37_79b9_7f4a_7c15))
    }
}
