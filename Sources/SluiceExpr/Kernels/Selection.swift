import SluiceCore

/// Row-wise choice between operands: `case`, `if`, `coalesce`, `nullif`, `least`,
/// `greatest`. Every branch is evaluated over the whole batch (evaluation cannot fail, so
/// this is safe) and rows are then picked, which keeps the loops branch-light.
enum Selection {
    /// Row i is `then[i]` where the condition holds (null = false), else `otherwise[i]`.
    static func choose(_ condition: Operand, _ then: Operand, _ otherwise: Operand, type: DataType, count: Int)
        -> Operand
    {
        let (all, rows) = Logic.mask(condition)
        guard let rows else { return all == true ? then : otherwise }
        return choose(rows, then, otherwise, type: type, count: count)
    }

    /// Row i is `then[i]` where `mask[i]`, else `otherwise[i]`.
    static func choose(_ mask: [Bool], _ then: Operand, _ otherwise: Operand, type: DataType, count: Int) -> Operand {
        let validity: [Bool]?
        if then.validity == nil && !then.isNull && otherwise.validity == nil && !otherwise.isNull {
            validity = nil
        } else {
            validity = Validity.compact(pick(mask, validitySlot(then), validitySlot(otherwise), count: count))
        }
        var column: Column
        switch type {
        case .int64, .timestamp:
            column = Column(ints: pick(mask, then.ints, otherwise.ints, count: count), type: type)
        case .double:
            column = Column(doubles: pick(mask, then.doubles, otherwise.doubles, count: count))
        case .bool:
            column = Column(bools: pick(mask, then.bools, otherwise.bools, count: count))
        case .string:
            column = chooseStrings(mask, then, otherwise, count: count)
        }
        column.validity = validity
        return .column(column)
    }

    private static func validitySlot(_ operand: Operand) -> Slot<Bool> {
        switch operand {
        case .scalar(let value): .scalar(!value.isNull)
        case .column(let column): column.validity.map { .array($0) } ?? .scalar(true)
        }
    }

    @inline(__always)
    private static func pick<T>(_ mask: [Bool], _ a: Slot<T>, _ b: Slot<T>, count: Int) -> [T] {
        mask.withUnsafeBufferPointer { m in
            switch (a, b) {
            case (.array(let x), .array(let y)):
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeBufferPointer { yp in generate(count) { m[$0] ? xp[$0] : yp[$0] } }
                }
            case (.array(let x), .scalar(let y)):
                x.withUnsafeBufferPointer { xp in generate(count) { m[$0] ? xp[$0] : y } }
            case (.scalar(let x), .array(let y)):
                y.withUnsafeBufferPointer { yp in generate(count) { m[$0] ? x : yp[$0] } }
            case (.scalar(let x), .scalar(let y)):
                generate(count) { m[$0] ? x : y }
            }
        }
    }

    /// The two dictionaries are concatenated (or shared when they are the same), and the
    /// codes of `otherwise` shifted past those of `then`.
    private static func chooseStrings(_ mask: [Bool], _ then: Operand, _ otherwise: Operand, count: Int) -> Column {
        let (thenDictionary, thenCodes) = stringStorage(then)
        let (elseDictionary, elseCodes) = stringStorage(otherwise)
        if thenDictionary == elseDictionary {
            return Column.strings(
                codes: pick(mask, thenCodes, elseCodes, count: count), dictionary: thenDictionary, validity: nil)
        }
        let shift = UInt32(thenDictionary.count)
        let limit = UInt32(elseDictionary.count)
        let shifted = elseCodes.map { $0 < limit ? $0 + shift : shift }
        return Column.strings(
            codes: pick(mask, thenCodes, shifted, count: count), dictionary: thenDictionary + elseDictionary,
            validity: nil)
    }

    private static func stringStorage(_ operand: Operand) -> ([String], Slot<UInt32>) {
        switch operand {
        case .scalar(let value): ([value.asString ?? ""], .scalar(0))
        case .column(let column): (column.safeDictionary, .array(column.codes))
        }
    }

    /// The first non-null argument per row.
    static func coalesce(_ operands: [Operand], type: DataType, count: Int) -> Operand {
        var result = operands[operands.count - 1]
        for operand in operands.dropLast().reversed() {
            switch operand {
            case .scalar(.null): continue
            case .scalar: result = operand
            case .column(let column):
                guard let validity = column.validity else {
                    result = operand
                    continue
                }
                result = choose(validity, operand, result, type: type, count: count)
            }
        }
        return result
    }

    /// The smallest (or largest) non-null value per row; null only when all are null.
    static func extremum(_ a: Operand, _ b: Operand, greatest: Bool, type: DataType, count: Int) -> Operand {
        if a.isNull { return b }
        if b.isNull { return a }
        let better: Operand
        switch type {
        case .double:
            let values =
                greatest
                ? map2(a.doubles, b.doubles, count: count) { $1 > $0 ? $1 : $0 }
                : map2(a.doubles, b.doubles, count: count) { $1 < $0 ? $1 : $0 }
            better = .column(Column(doubles: values))
        default:
            let values =
                greatest
                ? map2(a.ints, b.ints, count: count) { Swift.max($0, $1) }
                : map2(a.ints, b.ints, count: count) { Swift.min($0, $1) }
            better = .column(Column(ints: values, type: type))
        }
        if a.validity == nil && b.validity == nil { return better }
        // Where one side is null, the other side's value (or null) wins.
        let bothValid = Validity.and(a.validity, b.validity) ?? []
        let onlyB = choose(a.validity ?? [Bool](repeating: true, count: count), a, b, type: type, count: count)
        return choose(bothValid, better, onlyB, type: type, count: count)
    }
}
