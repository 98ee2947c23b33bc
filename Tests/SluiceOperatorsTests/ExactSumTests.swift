import Foundation
import SluiceCore
import Testing

@testable import SluiceOperators

/// `sum` and `avg` of doubles: exact until read, so the same bits whatever order rows
/// arrive in (they reach an aggregation from several partitions in a varying order).
@Suite("Exact sums of doubles")
struct ExactSumTests {
    /// The sum the way the accumulator makes it: compact while it fits, then wide.
    static func exactSum(_ values: [Double]) -> Double {
        let accumulator = DoubleSumAccumulator()
        accumulator.appendSlots(1)
        add(values, to: accumulator, slot: 0)
        return accumulator.result(0)
    }

    static func add(_ values: [Double], to accumulator: DoubleSumAccumulator, slot: Int32) {
        guard !values.isEmpty else { return }
        let column = Column(doubles: values)
        accumulator.add(
            AccumulatorInput(
                rows: (0..<Int32(values.count)).map { $0 }, slots: Array(repeating: slot, count: values.count),
                argument: PreparedArgument(column: column, hasNulls: false), times: [], strings: []))
    }

    static func sequential(_ values: [Double]) -> Double { values.reduce(0, +) }

    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// Values of the kinds `seed` picks: two-decimal scores, magnitudes over 16 decades
    /// (past the 128-bit window: wide sums), over the whole range, and subnormals.
    static func values(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let sign: Double = Bool.random(using: &rng) ? 1 : -1
            switch seed % 4 {
            case 0: return (Double.random(in: 0..<1000, using: &rng) * 100).rounded() / 100
            case 1: return sign * Double.random(in: 1..<10, using: &rng) * pow(10, Double(Int.random(in: -8...8, using: &rng)))
            case 2: return sign * Double.random(in: 1..<2, using: &rng) * pow(2, Double(Int.random(in: -1000...1000, using: &rng)))
            default: return sign * Double(bitPattern: UInt64.random(in: 1..<(1 << 52), using: &rng))
            }
        }
    }

    @Test func tenTenthsAreOne() {
        let tenths = Array(repeating: 0.1, count: 10)
        #expect(Self.sequential(tenths) == 0.9999999999999999)
        #expect(Self.exactSum(tenths) == 1.0)
    }

    @Test func aSmallTermSurvivesCancellationInEveryOrder() {
        let orders: [[Double]] = [
            [1e16, 1, -1e16], [1e16, -1e16, 1], [1, 1e16, -1e16], [1, -1e16, 1e16], [-1e16, 1e16, 1], [-1e16, 1, 1e16],
        ]
        #expect(Set(orders.map { Self.sequential($0) }).count > 1)
        for order in orders { #expect(Self.exactSum(order) == 1) }
    }

    @Test func tiesRoundToEvenAndBitsBelowBreakThem() {
        let twoTo53 = 9_007_199_254_740_992.0
        #expect(Self.exactSum([twoTo53, 1]) == twoTo53)
        #expect(Self.exactSum([twoTo53, 3]) == twoTo53 + 4)
        #expect(Self.exactSum([twoTo53, 1, 0x1p-30]) == twoTo53 + 2)
        #expect(Self.exactSum([twoTo53, 1, -0x1p-30]) == twoTo53)
        // The same far apart: 1 + 2^-53 is a tie, a wide sum's lowest bits break it.
        #expect(Self.exactSum([1, 0x1p-53]) == 1)
        #expect(Self.exactSum([1, 0x1p-53, 0x1p-1000]) == 1 + 0x1p-52)
    }

    @Test func theRangeEndsRoundAsOneOperationWould() {
        let max = Double.greatestFiniteMagnitude
        #expect(Self.exactSum([max, max, -max]) == max)
        #expect(Self.sequential([max, max, -max]) == .infinity)
        #expect(Self.exactSum([max, max]) == .infinity)
        #expect(Self.exactSum([-max, -max]) == -.infinity)
        let tiny = Double.leastNonzeroMagnitude
        #expect(Self.exactSum([tiny, tiny]) == 2 * tiny)
        #expect(Self.exactSum([Double.leastNormalMagnitude, -tiny]) == Double.leastNormalMagnitude.nextDown)
        #expect(Self.exactSum([1e300, tiny, -1e300]) == tiny)
    }

    @Test func specialValuesAndZeros() {
        #expect(Self.exactSum([.infinity, 1]) == .infinity)
        #expect(Self.exactSum([-.infinity, 1e300, 1e-300]) == -.infinity)
        #expect(Self.exactSum([.infinity, -.infinity]).isNaN)
        #expect(Self.exactSum([1, .nan, 2]).isNaN)
        // A NaN or an infinity in a later batch, after the sum went wide, still counts.
        for special in [Double.nan, .infinity] {
            let accumulator = DoubleSumAccumulator()
            accumulator.appendSlots(1)
            Self.add([1e300, 1e-300], to: accumulator, slot: 0)
            #expect(accumulator.sums[0].isWide)
            Self.add([special], to: accumulator, slot: 0)
            #expect(Self.same(accumulator.result(0), special))
        }
        #expect(Self.same(Self.exactSum([-0.0, -0.0]), 0.0))
        #expect(Self.exactSum([]) == 0)
    }

    /// Values from 1e-6 to 1e15 fit the window in either order: the room left below the
    /// first term is given back when a larger one needs it.
    @Test func theWindowDoesNotDependOnTheOrder() {
        for order in [[1e-6, 1e15], [1e15, 1e-6], [0.001, 123.45, 9e14, 1e-6]] {
            var sum = ExactSum()
            for value in order {
                let added = sum.add(value)
                #expect(added, "\(order)")
            }
            #expect(!sum.isWide)
        }
    }

    /// Merging carries NaN and infinity flags, and a wide slot merged into itself doubles.
    @Test func mergesCarryFlagsAndWideSums() {
        let accumulator = DoubleSumAccumulator()
        accumulator.appendSlots(4)
        Self.add([1e300, 1e-300], to: accumulator, slot: 0)
        Self.add([2, .infinity], to: accumulator, slot: 1)
        Self.add([3], to: accumulator, slot: 2)
        accumulator.merge(into: 0, from: accumulator, slot: 0, strings: [])
        #expect(accumulator.result(0) == 2e300)
        Self.add([-2e300], to: accumulator, slot: 0)
        #expect(accumulator.result(0) == 2e-300)
        accumulator.merge(into: 2, from: accumulator, slot: 1, strings: [])
        #expect(accumulator.result(2) == .infinity)
        accumulator.merge(into: 3, from: accumulator, slot: 0, strings: [])
        accumulator.merge(into: 3, from: accumulator, slot: 2, strings: [])
        #expect(accumulator.result(3) == .infinity)
        Self.add([-.infinity], to: accumulator, slot: 3)
        #expect(accumulator.result(3).isNaN)
    }

    @Test(arguments: [0, 1, 2, 3] as [UInt64])
    func anyOrderAndAnySplitGiveTheSameBits(seed: UInt64) {
        let values = Self.values(count: 300, seed: seed)
        let expected = Self.exactSum(values)
        var rng = SplitMix64(seed: seed &+ 100)
        var sequentialResults = Set<UInt64>()
        for _ in 0..<20 {
            let shuffled = values.shuffled(using: &rng)
            sequentialResults.insert(Self.sequential(shuffled).bitPattern)
            #expect(Self.same(Self.exactSum(shuffled), expected))
            // Split into chunks summed apart and merged, as sessions and panes merge.
            let accumulator = DoubleSumAccumulator()
            let chunks = Int.random(in: 2...6, using: &rng)
            accumulator.appendSlots(chunks)
            for (i, value) in shuffled.enumerated() { Self.add([value], to: accumulator, slot: Int32(i % chunks)) }
            for chunk in 1..<chunks { accumulator.merge(into: 0, from: accumulator, slot: chunk, strings: []) }
            #expect(Self.same(accumulator.result(0), expected))
        }
        if seed % 4 != 3 { #expect(sequentialResults.count > 1, "a float sum of these depends on the order") }
    }

    /// The result r is the double nearest the exact sum S: |S − r| ≤ ulp(r)/2, and r is
    /// even on a tie. S − r is formed exactly in a `WideSum`.
    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7] as [UInt64])
    func theResultIsTheNearestDouble(seed: UInt64) {
        let values = Self.values(count: 200, seed: seed)
        let r = Self.exactSum(values)
        #expect(r.isFinite)
        var residual = WideSum()
        for value in values { residual.add(value) }
        residual.add(-r)
        let difference = residual.rounded().magnitude
        let halfUlp = r.ulp / 2
        #expect(difference <= halfUlp)
        if difference == halfUlp && r != 0 {
            #expect(r.significandBitPattern & 1 == 0)
        }
    }

    /// The one-instruction conversion agrees with rounding bit by bit wherever it answers,
    /// and answers for the sums groups usually have.
    @Test func theHardwareConversionAgreesWithExactRounding() {
        var rng = SplitMix64(seed: 11)
        var answered = 0
        for _ in 0..<20_000 {
            var sum = ExactSum()
            // Half the groups' values within a factor of 2^8 of each other, half spread wide.
            let spread = Bool.random(using: &rng) ? 4 : 60
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let magnitude =
                    Double.random(in: 0..<1000, using: &rng) * pow(2, Double(Int.random(in: -spread...spread, using: &rng)))
                _ = sum.add(Bool.random(using: &rng) ? magnitude : -magnitude)
            }
            guard !sum.isWide else { continue }
            let exact = ExactRounding.rounded(sum.value.magnitude, negative: sum.value < 0, scale: Int(sum.scale))
            if let fast = sum.roundedByHardware {
                answered += 1
                #expect(Self.same(fast, exact))
            }
        }
        #expect(answered > 8_000)
    }

    @Test func snapshotsKeepExactAndWideSumsAndReadFloatSumsOfVersion3() throws {
        let accumulator = DoubleSumAccumulator()
        accumulator.appendSlots(4)
        Self.add([0.1, 0.2, 0.3], to: accumulator, slot: 0)
        Self.add([1e300, 1e-300, -1e300, .infinity], to: accumulator, slot: 1)
        Self.add([1e300, 1e-300], to: accumulator, slot: 2)
        var writer = SnapshotWriter()
        accumulator.write(slots: [0, 1, 2, 3], into: &writer, strings: [])
        let restored = DoubleSumAccumulator()
        var reader = SnapshotReader(writer.bytes)
        var interner = StringInterner()
        try restored.read(count: 4, from: &reader, interner: &interner, version: 4)
        #expect(reader.isAtEnd)
        #expect(restored.sums == accumulator.sums)
        #expect(restored.result(1) == .infinity)
        #expect(restored.result(0) == Self.exactSum([0.1, 0.2, 0.3]))
        // The restored wide sum goes on exactly: take 1e300 back out.
        #expect(restored.sums[2].isWide)
        Self.add([-1e300], to: restored, slot: 2)
        #expect(restored.result(2) == 1e-300)

        var old = SnapshotWriter()
        old.writeColumn([0.30000000000000004, -2.5], slots: [0, 1])
        let upgraded = DoubleSumAccumulator()
        var oldReader = SnapshotReader(old.bytes)
        try upgraded.read(count: 2, from: &oldReader, interner: &interner, version: 3)
        #expect(upgraded.result(0) == 0.30000000000000004)
        #expect(upgraded.result(1) == -2.5)
    }

    @Test(arguments: [UInt64(UInt32(bitPattern: 5000)), UInt64(16) << 32])  // a scale past the range; an unknown flag
    func aDamagedExactSumIsRejected(packedScaleAndFlags: UInt64) {
        var writer = SnapshotWriter()
        writer.write(UInt64(0))
        writer.write(UInt64(0))
        writer.write(packedScaleAndFlags)
        var reader = SnapshotReader(writer.bytes)
        var interner = StringInterner()
        #expect(throws: SluiceError.self) {
            try DoubleSumAccumulator().read(count: 1, from: &reader, interner: &interner, version: 4)
        }
    }

    /// The guarantee where users meet it: a windowed `sum` and `avg` give the same rows
    /// whatever order and batches the same events arrive in.
    @Test func aWindowedAverageDoesNotDependOnArrivalOrder() {
        var rng = SplitMix64(seed: 7)
        var events: [Event] = []
        for i in 0..<600 {
            let magnitude = [1e-3, 1, 1e6, 1e12][i % 4]
            events.append(
                Event(
                    agent: "agent-\(i % 3)", ts: Int64(i % 50),
                    value: Double.random(in: -1..<1, using: &rng) * magnitude))
        }
        func rows(_ order: [Event], batch: Int) -> [String] {
            let op = KeyedAggregateOperator(
                inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .tumbling(sizeMillis: 100),
                aggregates: [
                    AggregateSpec("total", .sum, TestInput.column("value")),
                    AggregateSpec("mean", .avg, TestInput.column("value")),
                ])
            var steps: [Step] = stride(from: 0, to: order.count, by: batch).map {
                .rows(Array(order[$0..<min($0 + batch, order.count)]))
            }
            steps.append(.watermark(1_000))
            return op.run(steps).mainRows.map { row in
                ["agent", "total", "mean"].map { "\(row[$0]!)" }.joined(separator: " ")
            }.sorted()
        }
        let expected = rows(events, batch: 600)
        #expect(expected.count == 3)
        var floatTotals = Set<UInt64>()
        for round in 0..<8 {
            let shuffled = events.shuffled(using: &rng)
            floatTotals.insert(Self.sequential(shuffled.filter { $0.agent == "agent-0" }.compactMap(\.value)).bitPattern)
            #expect(rows(shuffled, batch: [1, 7, 64, 600][round % 4]) == expected)
        }
        #expect(floatTotals.count > 1, "a float sum of these depends on the order")
    }
}
