import SluiceCore

/// `stddev(x)`: count, mean and sum of squared deviations (M2) per slot, updated with
/// Welford's method and merged with Chan et al.'s parallel formula, so the sample standard
/// deviation √(M2/(n−1)) stays accurate for large n and mergeable across sessions.
final class MomentsAccumulator: Accumulator {
    private(set) var counts: [Int64] = []
    private(set) var means: [Double] = []
    private(set) var m2s: [Double] = []

    var slotCount: Int { counts.count }
    var memoryBytes: Int { (counts.capacity + means.capacity + m2s.capacity) * 8 }

    func appendSlots(_ n: Int) {
        counts.append(contentsOf: repeatElement(0, count: n))
        means.append(contentsOf: repeatElement(0, count: n))
        m2s.append(contentsOf: repeatElement(0, count: n))
    }

    func removeAllSlots() {
        counts.removeAll(keepingCapacity: true)
        means.removeAll(keepingCapacity: true)
        m2s.removeAll(keepingCapacity: true)
    }

    func reserveSlots(_ n: Int) {
        counts.reserveCapacity(n)
        means.reserveCapacity(n)
        m2s.reserveCapacity(n)
    }

    func reset(_ slot: Int) {
        counts[slot] = 0
        means[slot] = 0
        m2s[slot] = 0
    }

    func add(_ input: AccumulatorInput) {
        guard let column = input.argument?.column else { return }
        if column.type == .double {
            for j in 0..<input.slots.count { update(Int(input.slots[j]), column.doubles[Int(input.rows[j])]) }
        } else {
            for j in 0..<input.slots.count { update(Int(input.slots[j]), Double(column.ints[Int(input.rows[j])])) }
        }
    }

    @inline(__always)
    private func update(_ slot: Int, _ x: Double) {
        let n = counts[slot] + 1
        counts[slot] = n
        let delta = x - means[slot]
        means[slot] += delta / Double(n)
        m2s[slot] += delta * (x - means[slot])
    }

    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String]) {
        let other = other as! MomentsAccumulator
        let nb = other.counts[otherSlot]
        guard nb > 0 else { return }
        let na = counts[slot]
        if na == 0 {
            counts[slot] = nb
            means[slot] = other.means[otherSlot]
            m2s[slot] = other.m2s[otherSlot]
            return
        }
        let n = na + nb
        let delta = other.means[otherSlot] - means[slot]
        means[slot] += delta * Double(nb) / Double(n)
        m2s[slot] += other.m2s[otherSlot] + delta * delta * Double(na) * Double(nb) / Double(n)
        counts[slot] = n
    }

    /// The sample standard deviation of `slot`, nil for fewer than two values.
    func standardDeviation(_ slot: Int) -> Double? {
        let n = counts[slot]
        guard n >= 2 else { return nil }
        return (Swift.max(m2s[slot], 0) / Double(n - 1)).squareRoot()
    }

    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String]) {
        for slot in slots.lazy.map({ Int($0) }) {
            writer.write(counts[slot])
            writer.write(means[slot])
            writer.write(m2s[slot])
        }
    }

    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws {
        for _ in 0..<count {
            counts.append(try reader.readInt64())
            means.append(try reader.readDouble())
            m2s.append(try reader.readDouble())
        }
    }
}
