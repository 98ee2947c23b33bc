import SluiceCore

/// `count()` (rows) or the non-null count of one argument. Other aggregates of the same
/// argument (sum, min, max, avg) read it to tell "no values" (null result) apart.
final class CountAccumulator: Accumulator {
    private(set) var counts: [Int64] = []

    var slotCount: Int { counts.count }
    var memoryBytes: Int { counts.capacity * 8 }

    func appendSlots(_ n: Int) { counts.append(contentsOf: repeatElement(0, count: n)) }

    func reserveSlots(_ n: Int) { counts.reserveCapacity(n) }

    func removeAllSlots() { counts.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { counts[slot] = 0 }

    func add(_ input: AccumulatorInput) {
        counts.withUnsafeMutableBufferPointer { counts in
            input.slots.withUnsafeBufferPointer { slots in
                for slot in slots { counts[Int(slot)] &+= 1 }
            }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let other = other as! CountAccumulator
        counts[slot] &+= other.counts[otherSlot]
    }

    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        let source = (other as! CountAccumulator).counts
        for (slot, otherSlot) in zip(slots, otherSlots) { counts[Int(slot)] &+= source[Int(otherSlot)] }
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        writer.writeColumn(counts, slots: slots)
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        counts.append(contentsOf: try reader.readInt64Column(count: count))
    }
}
