import SluiceCore

/// min or max of a double argument. Empty slots hold ±infinity; whether a value was seen
/// comes from the argument's `CountAccumulator`.
///
/// -0.0 ranks below 0.0 (`ranksAbove`): they compare equal, so otherwise the
/// one that came first would stay, and rows reach an aggregation in an order that varies
/// from run to run behind an exchange.
final class DoubleExtremeAccumulator: Accumulator {
    let isMax: Bool
    private(set) var values: [Double] = []

    init(isMax: Bool) { self.isMax = isMax }

    var slotCount: Int { values.count }
    var memoryBytes: Int { values.capacity * 8 }
    private var empty: Double { isMax ? -.infinity : .infinity }

    func appendSlots(_ n: Int) { values.append(contentsOf: repeatElement(empty, count: n)) }

    func reserveSlots(_ n: Int) { values.reserveCapacity(n) }

    func removeAllSlots() { values.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { values[slot] = empty }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        let isMax = isMax
        values.withUnsafeMutableBufferPointer { state in
            column.doubles.withUnsafeBufferPointer { values in
                input.rows.withUnsafeBufferPointer { rows in
                    input.slots.withUnsafeBufferPointer { slots in
                        if isMax {
                            for j in 0..<slots.count {
                                let s = Int(slots[j])
                                let v = values[Int(rows[j])]
                                if Self.ranksAbove(v, state[s]) { state[s] = v }
                            }
                        } else {
                            for j in 0..<slots.count {
                                let s = Int(slots[j])
                                let v = values[Int(rows[j])]
                                if Self.ranksAbove(state[s], v) { state[s] = v }
                            }
                        }
                    }
                }
            }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let v = (other as! DoubleExtremeAccumulator).values[otherSlot]
        if replaces(v, values[slot]) { values[slot] = v }
    }

    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        let source = (other as! DoubleExtremeAccumulator).values
        for (slot, otherSlot) in zip(slots, otherSlots) {
            let v = source[Int(otherSlot)]
            if replaces(v, values[Int(slot)]) { values[Int(slot)] = v }
        }
    }

    @inline(__always)
    private func replaces(_ v: Double, _ current: Double) -> Bool {
        isMax ? Self.ranksAbove(v, current) : Self.ranksAbove(current, v)
    }

    /// `a` is larger, or is 0.0 where `b` is -0.0 (the only equal pair of other signs).
    /// Nothing ranks above or below a NaN, and a NaN ranks above nothing.
    @inline(__always)
    static func ranksAbove(_ a: Double, _ b: Double) -> Bool {
        a > b || (a == b && a.sign == .plus && b.sign == .minus)
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        writer.writeColumn(values, slots: slots)
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        values.append(contentsOf: try reader.readDoubleColumn(count: count))
    }
}

/// min or max of an int or timestamp argument. Empty slots hold Int64.max / Int64.min.
final class IntExtremeAccumulator: Accumulator {
    let isMax: Bool
    private(set) var values: [Int64] = []

    init(isMax: Bool) { self.isMax = isMax }

    var slotCount: Int { values.count }
    var memoryBytes: Int { values.capacity * 8 }
    private var empty: Int64 { isMax ? .min : .max }

    func appendSlots(_ n: Int) { values.append(contentsOf: repeatElement(empty, count: n)) }

    func reserveSlots(_ n: Int) { values.reserveCapacity(n) }

    func removeAllSlots() { values.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { values[slot] = empty }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        let isMax = isMax
        values.withUnsafeMutableBufferPointer { state in
            column.ints.withUnsafeBufferPointer { values in
                input.rows.withUnsafeBufferPointer { rows in
                    input.slots.withUnsafeBufferPointer { slots in
                        if isMax {
                            for j in 0..<slots.count {
                                let s = Int(slots[j])
                                let v = values[Int(rows[j])]
                                if v > state[s] { state[s] = v }
                            }
                        } else {
                            for j in 0..<slots.count {
                                let s = Int(slots[j])
                                let v = values[Int(rows[j])]
                                if v < state[s] { state[s] = v }
                            }
                        }
                    }
                }
            }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let v = (other as! IntExtremeAccumulator).values[otherSlot]
        if isMax ? v > values[slot] : v < values[slot] { values[slot] = v }
    }

    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        let source = (other as! IntExtremeAccumulator).values
        for (slot, otherSlot) in zip(slots, otherSlots) {
            let v = source[Int(otherSlot)]
            if isMax ? v > values[Int(slot)] : v < values[Int(slot)] { values[Int(slot)] = v }
        }
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        writer.writeColumn(values, slots: slots)
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        values.append(contentsOf: try reader.readInt64Column(count: count))
    }
}

/// min or max of a string argument (Swift `String` order: Unicode canonical ordering;
/// canonically equivalent strings of different bytes, such as "é" and "e\u{301}", by their
/// UTF-8 bytes, so which one wins across batches does not depend on which came first; a
/// batch whose dictionary was built by `String` equality keeps only the first seen). State is the
/// interned code of the current extreme, `StringExtremeAccumulator.none` when empty;
/// snapshots store the strings themselves.
final class StringExtremeAccumulator: Accumulator {
    static let none = UInt32.max
    let isMax: Bool
    private(set) var codes: [UInt32] = []

    init(isMax: Bool) { self.isMax = isMax }

    var slotCount: Int { codes.count }
    var memoryBytes: Int { codes.capacity * 4 }

    func appendSlots(_ n: Int) { codes.append(contentsOf: repeatElement(Self.none, count: n)) }

    func reserveSlots(_ n: Int) { codes.reserveCapacity(n) }

    func removeAllSlots() { codes.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { codes[slot] = Self.none }

    func add(_ input: AccumulatorInput) {
        guard let argument = input.argument else { return }
        let column = argument.column
        let interned = argument.internedCodes
        let strings = input.strings
        for j in 0..<input.slots.count {
            let slot = Int(input.slots[j])
            let batchCode = Int(column.codes[Int(input.rows[j])])
            let candidate = interned[batchCode]
            let current = codes[slot]
            if current == candidate { continue }
            if current == Self.none || replaces(column.dictionary[batchCode], strings[Int(current)]) {
                codes[slot] = candidate
            }
        }
    }

    private func replaces(_ candidate: String, _ current: String) -> Bool {
        isMax ? Self.ranksAbove(candidate, current) : Self.ranksAbove(current, candidate)
    }

    /// `a` orders after `b`: by `String`'s order, and between strings it calls equal, by
    /// their UTF-8 bytes (different interned codes mean different bytes, barring a hash
    /// collision in the interner). The first comparison settles a row that does not
    /// replace the extreme, for min and max alike.
    static func ranksAbove(_ a: String, _ b: String) -> Bool {
        if a < b { return false }
        if b < a { return true }
        return b.utf8.lexicographicallyPrecedes(a.utf8)
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let candidate = (other as! StringExtremeAccumulator).codes[otherSlot]
        let current = codes[slot]
        guard candidate != Self.none, candidate != current else { return }
        if current == Self.none || replaces(strings[Int(candidate)], strings[Int(current)]) { codes[slot] = candidate }
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots {
            let code = codes[Int(slot)]
            writer.write(code != Self.none)
            if code != Self.none { writer.write(strings[Int(code)]) }
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        for _ in 0..<count {
            codes.append(try reader.readBool() ? interner.intern(try reader.readString()) : Self.none)
        }
    }
}
