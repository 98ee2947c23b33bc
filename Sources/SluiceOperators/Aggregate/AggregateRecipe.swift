import SluiceCore

/// How one output column is read from a table's accumulators (indices into them).
enum AggregateRecipe: Sendable {
    case count(accumulator: Int)
    case sum(accumulator: Int, count: Int)
    case average(sum: Int, count: Int)
    case extreme(accumulator: Int, count: Int)
    case firstLast(accumulator: Int)
    case standardDeviation(accumulator: Int)
    case distinctCount(accumulator: Int)
    case approximateDistinctCount(accumulator: Int)
    case percentile(accumulator: Int, fraction: Double)

    /// Appends the result of each of `slots` to `column`, one column block at a time.
    /// `roundedSums` keeps each double sum's rounded results for these `slots` by
    /// accumulator index: `sum(x)` and `avg(x)` share one accumulator, read once.
    func appendResults(
        of slots: [Int32], from accumulators: [any Accumulator], strings: [String],
        roundedSums: inout [Int: [Double]], into column: inout OutputColumnBuilder
    ) {
        switch self {
        case .count(let a):
            let counts = (accumulators[a] as! CountAccumulator).counts
            column.append(ints: slots.map { counts[Int($0)] })

        case .sum(let a, let c):
            let counts = (accumulators[c] as! CountAccumulator).counts
            let valid = presence(counts, of: slots)
            if let sums = accumulators[a] as? DoubleSumAccumulator {
                column.append(doubles: Self.rounded(sums, a, slots, &roundedSums), valid: valid)
            } else {
                let sums = (accumulators[a] as! IntSumAccumulator).sums
                column.append(ints: slots.map { sums[Int($0)] }, valid: valid)
            }

        case .average(let a, let c):
            let counts = (accumulators[c] as! CountAccumulator).counts
            let valid = presence(counts, of: slots)
            if let sums = accumulators[a] as? DoubleSumAccumulator {
                let totals = Self.rounded(sums, a, slots, &roundedSums)
                column.append(
                    doubles: zip(totals, slots).map { total, slot in total / Double(counts[Int(slot)]) }, valid: valid)
            } else {
                let sums = (accumulators[a] as! IntSumAccumulator).sums
                column.append(doubles: slots.map { Double(sums[Int($0)]) / Double(counts[Int($0)]) }, valid: valid)
            }

        case .extreme(let a, let c):
            let valid = presence((accumulators[c] as! CountAccumulator).counts, of: slots)
            switch accumulators[a] {
            case let extreme as DoubleExtremeAccumulator:
                let values = extreme.values
                column.append(doubles: slots.map { values[Int($0)] }, valid: valid)
            case let extreme as IntExtremeAccumulator:
                let values = extreme.values
                column.append(ints: slots.map { values[Int($0)] }, valid: valid)
            default:
                let codes = (accumulators[a] as! StringExtremeAccumulator).codes
                let picked = slots.map { codes[Int($0)] }
                let present = picked.map { $0 != StringExtremeAccumulator.none }
                column.append(
                    internedCodes: picked, valid: present.contains(false) ? present : nil, strings: strings)
            }

        case .firstLast(let a):
            let state = accumulators[a] as! FirstLastAccumulator
            let valid = presence(state.present, of: slots)
            switch state.type {
            case .int64, .timestamp:
                let values = state.ints
                column.append(ints: slots.map { values[Int($0)] }, valid: valid)
            case .double:
                let values = state.doubles
                column.append(doubles: slots.map { values[Int($0)] }, valid: valid)
            case .bool:
                let values = state.bools
                column.append(bools: slots.map { values[Int($0)] }, valid: valid)
            case .string:
                column.append(
                    internedCodes: slots.map { state.internedCode(Int($0)) }, valid: valid, strings: strings)
            }

        case .standardDeviation(let a):
            let moments = accumulators[a] as! MomentsAccumulator
            let deviations = slots.map { moments.standardDeviation(Int($0)) }
            let valid = deviations.map { $0 != nil }
            column.append(doubles: deviations.map { $0 ?? 0 }, valid: valid.contains(false) ? valid : nil)

        case .distinctCount(let a):
            let sets = (accumulators[a] as! DistinctAccumulator).sets
            column.append(ints: slots.map { Int64(sets[Int($0)].count) })

        case .approximateDistinctCount(let a):
            let sketches = (accumulators[a] as! HyperLogLogAccumulator).sketches
            column.append(ints: slots.map { sketches[Int($0)].estimate })

        case .percentile(let a, let fraction):
            let quantiles = (accumulators[a] as! QuantileAccumulator).quantiles(fraction, of: slots)
            let valid = quantiles.map { $0 != nil }
            column.append(doubles: quantiles.map { $0 ?? 0 }, valid: valid.contains(false) ? valid : nil)
        }
    }

    /// `sums.results(of: slots)`, computed once per accumulator index `a` in `cache`.
    private static func rounded(
        _ sums: DoubleSumAccumulator, _ a: Int, _ slots: [Int32], _ cache: inout [Int: [Double]]
    ) -> [Double] {
        if let done = cache[a] { return done }
        let results = sums.results(of: slots)
        cache[a] = results
        return results
    }
}
