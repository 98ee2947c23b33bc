import SluiceCore

/// Sum of an int argument, wrapping on overflow (two's complement, like Java longs).
final class IntSumAccumulator: Accumulator {
    private(set) var sums: [Int64] = []

    var slotCount: Int { sums.count }
    var memoryBytes: Int { sums.capacity * 8 }

    func appendSlots(_ n: Int) { sums.append(contentsOf: repeatElement(0, count: n)) }

    func reserveSlots(_ n: Int) { sums.reserveCapacity(n) }

    func removeAllSlots() { sums.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { sums[slot] = 0 }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        sums.withUnsafeMutableBufferPointer { sums in
            column.ints.withUnsafeBufferPointer { values in
                input.rows.withUnsafeBufferPointer { rows in
                    input.slots.withUnsafeBufferPointer { slots in
                        for j in 0..<slots.count { sums[Int(slots[j])] &+= values[Int(rows[j])] }
                    }
                }
            }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let other = other as! IntSumAccumulator
        sums[slot] &+= other.sums[otherSlot]
    }

    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        let source = (other as! IntSumAccumulator).sums
        for (slot, otherSlot) in zip(slots, otherSlots) { sums[Int(slot)] &+= source[Int(otherSlot)] }
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        writer.writeColumn(sums, slots: slots)
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        sums.append(contentsOf: try reader.readInt64Column(count: count))
    }
}
