import SluiceCore

/// The updates of one batch for one set of accumulators: `slots[j]` receives the argument
/// of batch row `rows[j]`. Rows whose argument is null are already removed.
struct AccumulatorInput {
    var rows: [Int32]
    var slots: [Int32]
    /// The argument evaluated over the whole batch; nil for `count()`.
    var argument: PreparedArgument?
    /// The event time of every batch row (first / last order by it).
    var times: [Int64]
    /// The partition's interned strings (string min / max compare them).
    var strings: [String]
}

/// The flat, slot-indexed state of one aggregate function over every group of a table.
///
/// This is Flink's create / add / merge / result contract, column-wise: `appendSlots`
/// creates empty states, `add` folds a batch in with one tight loop, `merge` combines two
/// states (sessions merge), and results are read per slot by `AggregateRecipe`.
/// Accumulators are classes so a table mutates them in place; each belongs to one table.
protocol Accumulator: AnyObject {
    /// The number of slots (groups) held.
    var slotCount: Int { get }
    /// Appends `n` slots in the empty state.
    func appendSlots(_ n: Int)
    /// Makes room for `n` slots in total without reallocating (a hint; no slots are added).
    func reserveSlots(_ n: Int)
    /// Drops every slot, keeping the memory (an expired window's table is reused).
    func removeAllSlots()
    /// Returns `slot` to the empty state (a freed session slot is reused).
    func reset(_ slot: Int)
    /// Folds in the updates of one batch.
    func add(_ input: AccumulatorInput)
    /// Folds the state of `other`'s `otherSlot` (an accumulator of the same kind, possibly
    /// this one) into `slot`, as if its rows had been added after this slot's rows.
    /// `strings` are the interned strings (string extremes compare them).
    func merge(into slot: Int, from other: any Accumulator, slot otherSlot: Int, strings: [String])
    /// `merge` for many slots: folds `other`'s `otherSlots[j]` into `slots[j]` (sliding
    /// windows merge whole panes; hot accumulators cast `other` once instead of per slot).
    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String])
    /// Writes the states of `slots`, in that order.
    func write(slots: [Int32], into writer: inout SnapshotWriter, strings: [String])
    /// Reads `count` states written by `write`, appending them as new slots.
    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner) throws
    /// `read` of states written by the keyed-aggregate snapshot `version` (an older one
    /// where an accumulator's form changed since).
    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner, version: UInt32) throws
    /// Approximate heap bytes held.
    var memoryBytes: Int { get }
}

extension Accumulator {
    func read(count: Int, from reader: inout SnapshotReader, interner: inout StringInterner, version: UInt32) throws {
        try read(count: count, from: &reader, interner: &interner)
    }

    /// Grows to at least `count` slots.
    func ensureSlots(_ count: Int) {
        if count > slotCount { appendSlots(count - slotCount) }
    }

    func merge(into slots: [Int32], from other: any Accumulator, slots otherSlots: [Int32], strings: [String]) {
        for (slot, otherSlot) in zip(slots, otherSlots) {
            merge(into: Int(slot), from: other, slot: Int(otherSlot), strings: strings)
        }
    }
}

/// An argument expression evaluated over one batch, with the per-batch translations of
/// its string dictionary that some accumulators need (computed once per distinct value).
struct PreparedArgument {
    var column: Column
    /// Whether null rows must be filtered out (the argument is nullable and this batch
    /// has a validity array).
    var hasNulls: Bool
    /// For strings kept in state: dictionary entry → interned code.
    var internedCodes: [UInt32] = []
    /// For strings counted distinct: dictionary entry → `ValueHash.string`.
    var stringHashes: [UInt64] = []
}

extension SnapshotReader {
    /// Reads a count and checks it is plausible for the bytes left (each element takes at
    /// least `minimumBytes`), so damaged input cannot make us allocate wildly.
    mutating func readElementCount(minimumBytes: Int = 1) throws -> Int {
        let n = try readUInt64()
        guard n <= UInt64((bytes.count - offset) / Swift.max(minimumBytes, 1)) else {
            throw SluiceError(.corruptSnapshot, "implausible element count \(n) at byte \(offset)")
        }
        return Int(n)
    }
}
