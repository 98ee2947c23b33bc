import SluiceCore

/// `first(x)` / `last(x)`: the argument of the row with the smallest / largest event
/// time. Ties go to the earliest arrival for `first` and the latest for `last`, so with
/// equal times `last` is the most recent event. A merge treats the other state's rows as
/// arriving after this one's, which keeps merge associative.
///
/// Values live in one typed array: `ints` for int and timestamp (and interned codes of
/// strings), `doubles`, or `bools`.
final class FirstLastAccumulator: Accumulator {
    let isLast: Bool
    let type: DataType
    private(set) var present: [Bool] = []
    private(set) var times: [Int64] = []
    private(set) var ints: [Int64] = []
    private(set) var doubles: [Double] = []
    private(set) var bools: [Bool] = []

    init(isLast: Bool, type: DataType) {
        self.isLast = isLast
        self.type = type
    }

    var slotCount: Int { present.count }
    var memoryBytes: Int {
        present.capacity + times.capacity * 8 + ints.capacity * 8 + doubles.capacity * 8 + bools.capacity
    }

    func appendSlots(_ n: Int) {
        present.append(contentsOf: repeatElement(false, count: n))
        times.append(contentsOf: repeatElement(0, count: n))
        switch type {
        case .int64, .timestamp, .string: ints.append(contentsOf: repeatElement(0, count: n))
        case .double: doubles.append(contentsOf: repeatElement(0, count: n))
        case .bool: bools.append(contentsOf: repeatElement(false, count: n))
        }
    }

    func removeAllSlots() {
        present.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        ints.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
    }

    func reserveSlots(_ n: Int) {
        present.reserveCapacity(n)
        times.reserveCapacity(n)
        switch type {
        case .int64, .timestamp, .string: ints.reserveCapacity(n)
        case .double: doubles.reserveCapacity(n)
        case .bool: bools.reserveCapacity(n)
        }
    }

    func reset(_ slot: Int) { present[slot] = false }

    /// Whether an update at `time` replaces the state of a present slot at `current`.
    @inline(__always)
    private func wins(_ time: Int64, over current: Int64) -> Bool { isLast ? time >= current : time < current }

    func add(_ input: AccumulatorInput) {
        guard let argument = input.argument else { return }
        let column = argument.column
        switch type {
        case .int64, .timestamp: fold(input, &ints) { column.ints[$0] }
        case .double: fold(input, &doubles) { column.doubles[$0] }
        case .bool: fold(input, &bools) { column.bools[$0] }
        case .string:
            let interned = argument.internedCodes
            fold(input, &ints) { Int64(interned[Int(column.codes[$0])]) }
        }
    }

    @inline(__always)
    private func fold<T>(_ input: AccumulatorInput, _ values: inout [T], _ valueOfRow: (Int) -> T) {
        for j in 0..<input.slots.count {
            let slot = Int(input.slots[j])
            let row = Int(input.rows[j])
            let time = input.times[row]
            if !present[slot] || wins(time, over: times[slot]) {
                present[slot] = true
                times[slot] = time
                values[slot] = valueOfRow(row)
            }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let other = other as! FirstLastAccumulator
        guard other.present[otherSlot] else { return }
        guard !present[slot] || wins(other.times[otherSlot], over: times[slot]) else { return }
        present[slot] = true
        times[slot] = other.times[otherSlot]
        switch type {
        case .int64, .timestamp, .string: ints[slot] = other.ints[otherSlot]
        case .double: doubles[slot] = other.doubles[otherSlot]
        case .bool: bools[slot] = other.bools[otherSlot]
        }
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots.lazy.map({ Int($0) }) {
            writer.write(present[slot])
            guard present[slot] else { continue }
            writer.write(times[slot])
            switch type {
            case .int64, .timestamp: writer.write(ints[slot])
            case .double: writer.write(doubles[slot])
            case .bool: writer.write(bools[slot])
            case .string: writer.write(strings[Int(ints[slot])])
            }
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        let base = slotCount
        appendSlots(count)
        for slot in base..<(base + count) {
            guard try reader.readBool() else { continue }
            present[slot] = true
            times[slot] = try reader.readInt64()
            switch type {
            case .int64, .timestamp: ints[slot] = try reader.readInt64()
            case .double: doubles[slot] = try reader.readDouble()
            case .bool: bools[slot] = try reader.readBool()
            case .string: ints[slot] = Int64(interner.intern(try reader.readString()))
            }
        }
    }

    /// The value of a present slot as a string code (`type == .string`).
    func internedCode(_ slot: Int) -> UInt32 { UInt32(truncatingIfNeeded: ints[slot]) }
}
