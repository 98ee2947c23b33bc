import SluiceCore

/// `x in (constants...)`: SQL semantics, so a row that matches nothing is null (not
/// false) when the list holds a null. Strings are looked up once per dictionary entry.
enum Membership {
    static func contains(_ a: Operand, constants: [Value], type: DataType, count: Int) -> Operand {
        let items = constants.filter { !$0.isNull }
        let found: Operand
        switch type {
        case .string:
            let set = Set(items.compactMap(\.asString))
            found = StringMaps.bools(a, count: count) { set.contains($0) }
        case .int64, .timestamp:
            let list = items.compactMap(\.asInt)
            found = strict([a], count: count) { rows in KernelOutput(Column(bools: member(a.ints, list, count: rows))) }
        case .double:
            let list = items.compactMap(\.asDouble)
            found = strict([a], count: count) { rows in
                KernelOutput(Column(bools: member(a.doubles, list, count: rows)))
            }
        case .bool:
            let hasTrue = items.contains(.bool(true))
            let hasFalse = items.contains(.bool(false))
            found = strict([a], count: count) { rows in
                KernelOutput(Column(bools: map1(a.bools, count: rows) { $0 ? hasTrue : hasFalse }))
            }
        }
        return items.count == constants.count ? found : unknownWhereFalse(found)
    }

    @inline(__always)
    private static func member<T: Hashable>(_ values: Slot<T>, _ list: [T], count: Int) -> [Bool] {
        if list.count <= 8 {
            return list.withUnsafeBufferPointer { items in
                map1(values, count: count) { x in
                    var hit = false
                    for item in items { hit = hit || item == x }
                    return hit
                }
            }
        }
        let set = Set(list)
        return map1(values, count: count) { set.contains($0) }
    }

    /// False rows become null (the list held a null that might have matched).
    private static func unknownWhereFalse(_ found: Operand) -> Operand {
        switch found {
        case .scalar(.bool(true)):
            return found
        case .scalar:
            return .scalar(.null)
        case .column(var column):
            column.validity = Validity.compact(Validity.and(column.validity, column.bools))
            return .column(column)
        }
    }
}
