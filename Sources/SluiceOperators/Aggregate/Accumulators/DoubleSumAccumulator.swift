import SluiceCore

/// Sum of a double argument (and the sum behind `avg` of one), exact until read: one
/// `ExactSum` per slot, so a group's result does not depend on the order its rows arrived
/// in (see `ExactSum`). Whether any value was seen comes from the argument's
/// `CountAccumulator` (the sum of no values is null).
final class DoubleSumAccumulator: Accumulator {
    private(set) var sums: [ExactSum] = []
    /// The slots whose values outgrew `ExactSum`'s window (flagged there): rare.
    private var wide: [Int: WideSum] = [:]

    var slotCount: Int { sums.count }
    var memoryBytes: Int {
        sums.capacity * MemoryLayout<ExactSum>.stride + wide.count * (WideSum.wordCount * 8 + 48)
    }

    func appendSlots(_ n: Int) { sums.append(contentsOf: repeatElement(ExactSum(), count: n)) }

    func reserveSlots(_ n: Int) { sums.reserveCapacity(n) }

    func removeAllSlots() {
        sums.removeAll(keepingCapacity: true)
        wide.removeAll()
    }

    func reset(_ slot: Int) {
        sums[slot] = ExactSum()
        wide[slot] = nil
    }

    /// The sum of `slot`, rounded to the nearest double.
    func result(_ slot: Int) -> Double { rounded(sums[slot], slot: slot) }

    /// `result` of each of `slots` (read per emitted row: one access to the array).
    func results(of slots: [Int32]) -> [Double] {
        sums.withUnsafeBufferPointer { sums in slots.map { rounded(sums[Int($0)], slot: Int($0)) } }
    }

    /// Looks the slot's `WideSum` up only when the sum is wide (rare; a hash per row else).
    @inline(__always)
    private func rounded(_ sum: ExactSum, slot: Int) -> Double { sum.rounded(wide: sum.isWide ? wide[slot] : nil) }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        var outgrown: [(slot: Int, value: Double)] = []
        sums.withUnsafeMutableBufferPointer { sums in
            column.doubles.withUnsafeBufferPointer { values in
                input.rows.withUnsafeBufferPointer { rows in
                    input.slots.withUnsafeBufferPointer { slots in
                        for j in 0..<slots.count {
                            // Rows hit groups in no order: load the state 16 rows ahead (a
                            // 24-byte state may straddle two lines).
                            if j + 16 < slots.count, let base = sums.baseAddress {
                                let ahead = UnsafeRawPointer(base + Int(slots[j + 16]))
                                prefetchForWrite(ahead)
                                prefetchForWrite(ahead + MemoryLayout<ExactSum>.size - 1)
                            }
                            let slot = Int(slots[j])
                            let value = values[Int(rows[j])]
                            if !sums[slot].add(value) { outgrown.append((slot, value)) }
                        }
                    }
                }
            }
        }
        for (slot, value) in outgrown {
            makeWide(slot)
            wide[slot]!.add(value)
        }
    }

    /// Moves `slot`'s finite part into a `WideSum`, unless it is there already.
    private func makeWide(_ slot: Int) {
        guard !sums[slot].isWide else { return }
        // Made from the compact sum before `becomeWide` clears it.
        wide[slot] = WideSum(sums[slot])
        sums[slot].becomeWide()
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        merge(into: slot, from: other as! DoubleSumAccumulator, slot: otherSlot)
    }

    /// Sliding windows merge whole panes: one cast, not one per slot.
    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        let other = other as! DoubleSumAccumulator
        for (slot, otherSlot) in zip(slots, otherSlots) { merge(into: Int(slot), from: other, slot: Int(otherSlot)) }
    }

    private func merge(into slot: Int, from other: DoubleSumAccumulator, slot otherSlot: Int) {
        let incoming = other.sums[otherSlot]
        if sums[slot].merge(incoming) { return }
        // Read before `makeWide`: `other` may be this accumulator, and `slot` `otherSlot`.
        let theirs = incoming.isWide ? other.wide[otherSlot] : nil
        makeWide(slot)
        if let theirs {
            wide[slot]!.add(theirs)
        } else {
            wide[slot]!.add(incoming.value, scale: incoming.scale)
        }
        sums[slot].mergeFlags(incoming)
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots {
            let sum = sums[Int(slot)]
            writer.write(sum.low)
            writer.write(UInt64(bitPattern: sum.high))
            writer.write(UInt64(UInt32(bitPattern: sum.scale)) | UInt64(sum.flags) << 32)
            if sum.isWide {
                for word in wide[Int(slot)]?.words ?? WideSum().words { writer.write(word) }
            }
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        try read(count: count, from: &reader, interner: &interner, version: KeyedAggregateOperator.snapshotVersion)
    }

    /// Versions up to 3 stored each slot's float sum: read as exactly that value.
    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner, version: UInt32) throws {
        guard version >= 4 else {
            for value in try reader.readDoubleColumn(count: count) {
                var sum = ExactSum()
                _ = sum.add(value)  // one double always fits
                sums.append(sum)
            }
            return
        }
        for _ in 0..<count {
            let low = try reader.readUInt64()
            let high = Int64(bitPattern: try reader.readUInt64())
            let packed = try reader.readUInt64()
            guard
                let sum = ExactSum(
                    low: low, high: high, scale: Int32(bitPattern: UInt32(truncatingIfNeeded: packed)),
                    flags: UInt32(truncatingIfNeeded: packed >> 32))
            else {
                throw SluiceError(.corruptSnapshot, "exact sum out of range at byte \(reader.offset)")
            }
            if sum.isWide {
                let words = try (0..<WideSum.wordCount).map { _ in try reader.readUInt64() }
                wide[sums.count] = WideSum(words: words)!
            }
            sums.append(sum)
        }
    }
}
