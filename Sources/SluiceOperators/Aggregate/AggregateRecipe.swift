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

    /// Appends the result of each of `slots` to `column`.
    func appendResults(
        of slots: [Int32], from accumulators: [any Accumulator], strings: [String],
        into column: inout OutputColumnBuilder
    ) {
        switch self {
        case .count(let a):
            let counts = (accumulators[a] as! CountAccumulator).counts
            for slot in slots { column.append(int: counts[Int(slot)]) }

        case .sum(let a, let c):
            let counts = (accumulators[c] as! CountAccumulator).counts
            if let sums = (accumulators[a] as? DoubleSumAccumulator)?.sums {
                for s in slots.lazy.map({ Int($0) }) {
                    if counts[s] > 0 { column.append(double: sums[s]) } else { column.appendNull() }
                }
            } else {
                let sums = (accumulators[a] as! IntSumAccumulator).sums
                for s in slots.lazy.map({ Int($0) }) {
                    if counts[s] > 0 { column.append(int: sums[s]) } else { column.appendNull() }
                }
            }

        case .average(let a, let c):
            let counts = (accumulators[c] as! CountAccumulator).counts
            let doubleSums = (accumulators[a] as? DoubleSumAccumulator)?.sums
            let intSums = (accumulators[a] as? IntSumAccumulator)?.sums
            for s in slots.lazy.map({ Int($0) }) {
                guard counts[s] > 0 else {
                    column.appendNull()
                    continue
                }
                let sum = doubleSums?[s] ?? Double(intSums![s])
                column.append(double: sum / Double(counts[s]))
            }

        case .extreme(let a, let c):
            let counts = (accumulators[c] as! CountAccumulator).counts
            switch accumulators[a] {
            case let extreme as DoubleExtremeAccumulator:
                for s in slots.lazy.map({ Int($0) }) {
                    if counts[s] > 0 { column.append(double: extreme.values[s]) } else { column.appendNull() }
                }
            case let extreme as IntExtremeAccumulator:
                for s in slots.lazy.map({ Int($0) }) {
                    if counts[s] > 0 { column.append(int: extreme.values[s]) } else { column.appendNull() }
                }
            default:
                let codes = (accumulators[a] as! StringExtremeAccumulator).codes
                for s in slots.lazy.map({ Int($0) }) {
                    let code = codes[s]
                    if code != StringExtremeAccumulator.none {
                        column.append(interned: code, strings: strings)
                    } else {
                        column.appendNull()
                    }
                }
            }

        case .firstLast(let a):
            let state = accumulators[a] as! FirstLastAccumulator
            for s in slots.lazy.map({ Int($0) }) {
                guard state.present[s] else {
                    column.appendNull()
                    continue
                }
                switch state.type {
                case .int64, .timestamp: column.append(int: state.ints[s])
                case .double: column.append(double: state.doubles[s])
                case .bool: column.append(bool: state.bools[s])
                case .string: column.append(interned: state.internedCode(s), strings: strings)
                }
            }

        case .standardDeviation(let a):
            let moments = accumulators[a] as! MomentsAccumulator
            for s in slots {
                if let deviation = moments.standardDeviation(Int(s)) {
                    column.append(double: deviation)
                } else {
                    column.appendNull()
                }
            }

        case .distinctCount(let a):
            let sets = (accumulators[a] as! DistinctAccumulator).sets
            for s in slots { column.append(int: Int64(sets[Int(s)].count)) }

        case .approximateDistinctCount(let a):
            let sketches = (accumulators[a] as! HyperLogLogAccumulator).sketches
            for s in slots { column.append(int: sketches[Int(s)].estimate) }

        case .percentile(let a, let fraction):
            let sketches = (accumulators[a] as! QuantileAccumulator).sketches
            for s in slots {
                if let value = sketches[Int(s)].quantile(fraction) {
                    column.append(double: value)
                } else {
                    column.appendNull()
                }
            }
        }
    }
}
