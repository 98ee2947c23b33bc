import SluiceCore

/// Collects output rows (keys, window bounds, aggregate results, finality) column by
/// column and finishes them into one batch.
///
/// A retraction emitter collects only keys and window bounds (`appendRetractions`) and
/// finishes a retraction batch of the same schema: aggregates null, `is_final` false.
struct RowEmitter {
    private var keyColumns: [OutputColumnBuilder]
    private var starts: [Int64] = []
    private var ends: [Int64] = []
    private var aggregateColumns: [OutputColumnBuilder]
    private var finals: [Bool] = []
    private let windowed: Bool
    private let isRetraction: Bool
    private(set) var count = 0

    init(context: AggregationContext, retractions: Bool = false) {
        keyColumns = context.encoder.types.map { OutputColumnBuilder(type: $0) }
        aggregateColumns = context.plan.fields.map { OutputColumnBuilder(type: $0.type) }
        windowed = context.windowed
        isRetraction = retractions
    }

    /// Appends one retracted row per entry: the key in `keys` at `keySlots[i]` and the
    /// bounds the retracted row had.
    mutating func appendRetractions(
        keys: KeyTable, keySlots: [Int32], starts: [Int64], ends: [Int64], context: AggregationContext
    ) {
        precondition(isRetraction && windowed, "retractions need a windowed retraction emitter")
        guard !keySlots.isEmpty else { return }
        appendKeys(keys, slots: keySlots, context: context)
        self.starts.append(contentsOf: starts)
        self.ends.append(contentsOf: ends)
        finals.append(contentsOf: repeatElement(false, count: keySlots.count))
        count += keySlots.count
    }

    /// Appends one row per slot of a group table.
    mutating func append(
        table: GroupTable, slots: [Int32], isFinal: Bool, context: AggregationContext
    ) {
        guard !slots.isEmpty else { return }
        appendKeys(table.keys, slots: slots, context: context)
        appendAggregates(table.accumulators, slots: slots, context: context)
        if windowed {
            starts.append(contentsOf: repeatElement(table.start, count: slots.count))
            ends.append(contentsOf: repeatElement(table.end, count: slots.count))
            finals.append(contentsOf: repeatElement(isFinal, count: slots.count))
        }
        count += slots.count
    }

    /// Appends one row per session: its key's slot in `keys`, its accumulator slot and
    /// its bounds.
    mutating func append(
        keys: KeyTable, keySlots: [Int32], accumulators: [any Accumulator], stateSlots: [Int32],
        starts: [Int64], ends: [Int64], isFinal: Bool, context: AggregationContext
    ) {
        guard !keySlots.isEmpty else { return }
        appendKeys(keys, slots: keySlots, context: context)
        appendAggregates(accumulators, slots: stateSlots, context: context)
        self.starts.append(contentsOf: starts)
        self.ends.append(contentsOf: ends)
        finals.append(contentsOf: repeatElement(isFinal, count: keySlots.count))
        count += keySlots.count
    }

    private mutating func appendKeys(_ keys: KeyTable, slots: [Int32], context: AggregationContext) {
        let width = keys.width
        let words = keys.keys
        let strings = context.interner.strings
        for (k, type) in context.encoder.types.enumerated() {
            let column = slots.map { words[Int($0) * width + k] }
            var valid: [Bool]? = nil
            if context.encoder.nullable {
                let present = slots.map { words[Int($0) * width + width - 1] & (1 << UInt64(k)) == 0 }
                if present.contains(false) { valid = present }
            }
            switch type {
            case .int64, .timestamp: keyColumns[k].append(ints: column.map { Int64(bitPattern: $0) }, valid: valid)
            case .double: keyColumns[k].append(doubles: column.map { Double(bitPattern: $0) }, valid: valid)
            case .bool: keyColumns[k].append(bools: column.map { $0 != 0 }, valid: valid)
            case .string:
                keyColumns[k].append(
                    internedCodes: column.map { UInt32(truncatingIfNeeded: $0) }, valid: valid, strings: strings)
            }
        }
    }

    private mutating func appendAggregates(
        _ accumulators: [any Accumulator], slots: [Int32], context: AggregationContext
    ) {
        let strings = context.interner.strings
        var roundedSums: [Int: [Double]] = [:]
        for (i, recipe) in context.plan.recipes.enumerated() {
            recipe.appendResults(
                of: slots, from: accumulators, strings: strings, roundedSums: &roundedSums, into: &aggregateColumns[i])
        }
    }

    func finish(schema: Schema) -> Batch {
        var columns = keyColumns.map { $0.finish() }
        if windowed {
            columns.append(Column(ints: starts, type: .timestamp))
            columns.append(Column(ints: ends, type: .timestamp))
        }
        if isRetraction {
            columns.append(contentsOf: aggregateColumns.map { Column.nulls($0.type, count: count) })
        } else {
            columns.append(contentsOf: aggregateColumns.map { $0.finish() })
        }
        if windowed { columns.append(Column(bools: finals)) }
        return Batch(schema: schema, columns: columns, count: count, isRetraction: isRetraction)
    }
}
