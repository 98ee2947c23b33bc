import SluiceCore

/// `count_distinct(x)`: one exact `DistinctSet` of value hashes per slot.
final class DistinctAccumulator: Accumulator {
    private(set) var sets: [DistinctSet] = []

    var slotCount: Int { sets.count }
    var memoryBytes: Int {
        sets.capacity * MemoryLayout<DistinctSet>.stride + sets.reduce(0) { $0 + $1.memoryBytes }
    }

    func appendSlots(_ n: Int) { sets.append(contentsOf: repeatElement(DistinctSet(), count: n)) }

    func reserveSlots(_ n: Int) { sets.reserveCapacity(n) }

    func removeAllSlots() { sets.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { sets[slot] = DistinctSet() }

    func add(_ input: AccumulatorInput) {
        sets.withUnsafeMutableBufferPointer { sets in
            ValueHash.forEachHash(input) { slot, hash in sets[slot].insert(hash) }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let source = (other as! DistinctAccumulator).sets[otherSlot]
        sets[slot].formUnion(source)
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots { writer.write(sets[Int(slot)].sortedMembers) }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        for _ in 0..<count {
            var set = DistinctSet()
            for member in try reader.readUInt64s() { set.insert(member) }
            sets.append(set)
        }
    }
}

/// `approx_count_distinct(x)`: one `HyperLogLog` per slot.
final class HyperLogLogAccumulator: Accumulator {
    private(set) var sketches: [HyperLogLog] = []

    var slotCount: Int { sketches.count }
    var memoryBytes: Int {
        sketches.capacity * MemoryLayout<HyperLogLog>.stride + sketches.reduce(0) { $0 + $1.memoryBytes }
    }

    func appendSlots(_ n: Int) { sketches.append(contentsOf: repeatElement(HyperLogLog(), count: n)) }

    func reserveSlots(_ n: Int) { sketches.reserveCapacity(n) }

    func removeAllSlots() { sketches.removeAll(keepingCapacity: true) }

    func reset(_ slot: Int) { sketches[slot] = HyperLogLog() }

    func add(_ input: AccumulatorInput) {
        sketches.withUnsafeMutableBufferPointer { sketches in
            ValueHash.forEachHash(input) { slot, hash in sketches[slot].insert(hash) }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let source = (other as! HyperLogLogAccumulator).sketches[otherSlot]
        sketches[slot].merge(source)
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots {
            let sketch = sketches[Int(slot)]
            writer.write(sketch.isDense)
            if sketch.isDense { writer.write(bytes: sketch.registers) } else { writer.write(sketch.sparse) }
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        for _ in 0..<count {
            let dense = try reader.readBool()
            let sketch =
                dense
                ? HyperLogLog(sparse: [], registers: try reader.readBytes())
                : HyperLogLog(sparse: try reader.readUInt64s(), registers: [])
            guard let sketch else { throw SluiceError(.corruptSnapshot, "inconsistent HyperLogLog state") }
            sketches.append(sketch)
        }
    }
}

/// `percentile(x, q)`: one `QuantileSketch` per slot, shared by every percentile of the
/// same argument.
///
/// Slots `0..<slotCount` are the groups'. `removeAllSlots` (an expired window's table is
/// reused) keeps the sketches after that as they are, and `appendSlots` clears them for
/// new groups, keeping heap bins' buffers of up to `QuantileSketch.spilledCapacity` bins:
/// the groups of the next window spill into memory already allocated instead of a malloc
/// and a free per spilled group. What is held is bounded by the largest window's slot
/// count times that capacity.
final class QuantileAccumulator: Accumulator {
    private(set) var sketches: [QuantileSketch] = []
    private(set) var slotCount = 0

    var memoryBytes: Int {
        sketches.capacity * MemoryLayout<QuantileSketch>.stride + sketches.reduce(0) { $0 + $1.memoryBytes }
    }

    func appendSlots(_ n: Int) {
        let recycled = min(n, sketches.count - slotCount)
        for slot in slotCount..<slotCount + recycled { sketches[slot].clear() }
        if n > recycled { sketches.append(contentsOf: repeatElement(QuantileSketch(), count: n - recycled)) }
        slotCount += n
    }

    func reserveSlots(_ n: Int) { sketches.reserveCapacity(n) }

    func removeAllSlots() { slotCount = 0 }

    func reset(_ slot: Int) { sketches[slot].clear() }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        sketches.withUnsafeMutableBufferPointer { sketches in
            input.rows.withUnsafeBufferPointer { rows in
                input.slots.withUnsafeBufferPointer { slots in
                    if column.type == .double {
                        column.doubles.withUnsafeBufferPointer { values in
                            for j in 0..<slots.count {
                                Self.prefetch(sketches, slots, after: j)
                                sketches[Int(slots[j])].add(values[Int(rows[j])])
                            }
                        }
                    } else {
                        column.ints.withUnsafeBufferPointer { values in
                            for j in 0..<slots.count {
                                Self.prefetch(sketches, slots, after: j)
                                sketches[Int(slots[j])].add(Double(values[Int(rows[j])]))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rows of a batch hit groups in no order, and a sketch is most often a cache miss:
    /// start loading the one 32 rows ahead, and the heap bins of the one 16 rows ahead (its
    /// own line, loaded 16 rows ago, says where they are; see `QuantileSketch`). Shorter
    /// distances left both loads in flight when the row came (measured with perf).
    @inline(__always)
    private static func prefetch(
        _ sketches: UnsafeMutableBufferPointer<QuantileSketch>, _ slots: UnsafeBufferPointer<Int32>, after j: Int
    ) {
        guard let base = sketches.baseAddress else { return }
        if j + 32 < slots.count {
            // A sketch (64 bytes) spans two cache lines unless its array happens to be 64-byte aligned.
            let sketch = UnsafeRawPointer(base + Int(slots[j + 32]))
            prefetchForWrite(sketch)
            prefetchForWrite(sketch + MemoryLayout<QuantileSketch>.size - 1)
        }
        if j + 16 < slots.count { sketches[Int(slots[j + 16])].prefetchSpilledBins() }
    }

    /// The `fraction` quantile of each of `slots`, read in place (an `inout` access): a
    /// sketch copied out of the array goes through its value witness and retains its heap
    /// bins, an atomic write to a line not otherwise touched (a twentieth of W1's time).
    func quantiles(_ fraction: Double, of slots: [Int32]) -> [Double?] {
        sketches.withUnsafeMutableBufferPointer { sketches in
            slots.map { QuantileSketch.quantile(fraction, of: &sketches[Int($0)]) }
        }
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let source = (other as! QuantileAccumulator).sketches[otherSlot]
        sketches[slot].merge(source)
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots {
            let bins = sketches[Int(slot)].bins
            writer.write(UInt64(bins.count))
            for bin in bins {
                writer.write(UInt32(bitPattern: bin.ordinal))
                writer.write(bin.count)
            }
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        for _ in 0..<count {
            let n = try reader.readElementCount(minimumBytes: 12)
            var bins: [QuantileSketch.Bin] = []
            bins.reserveCapacity(n)
            for _ in 0..<n {
                bins.append(
                    QuantileSketch.Bin(ordinal: Int32(bitPattern: try reader.readUInt32()), count: try reader.readInt64()))
            }
            guard let sketch = QuantileSketch(bins: bins) else {
                throw SluiceError(.corruptSnapshot, "inconsistent quantile sketch state")
            }
            if slotCount < sketches.count { sketches[slotCount] = sketch } else { sketches.append(sketch) }
            slotCount += 1
        }
    }
}
