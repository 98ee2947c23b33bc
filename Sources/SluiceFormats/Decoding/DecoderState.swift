import SluiceCore

/// One extracted field of the record being decoded, staged until the record is accepted.
struct StagedValue {
    /// The record this value belongs to; older stamps mean "absent in this record".
    var stamp: UInt32 = 0
    var isNull = false
    /// The text is in the state's unescape buffer rather than in the record.
    var inScratch = false
    /// Int64 / timestamp / Double bit pattern / Bool as 0 or 1.
    var bits: UInt64 = 0
    /// String text: offset from the record start (or the unescape buffer) and length.
    var offset = 0
    var length = 0
}

/// Everything a decoder mutates while it runs, in stable allocations the hot loop
/// reaches through pointers (no copy-on-write or exclusivity checks per field).
///
/// A reference type so the pointers stay put; `JSONBatchDecoder` gives each of its
/// copies a private instance before decoding (copy-on-write by
/// `isKnownUniquelyReferenced`), so two threads never share one.
final class DecoderState: @unchecked Sendable {
    // @unchecked: only the decoder value that uniquely references an instance touches it.
    let slotCount: Int
    let columnCount: Int
    let tableCount: Int
    let values: UnsafeMutablePointer<StagedValue>
    /// The slots staged by the current record, in the order they appeared.
    let present: UnsafeMutablePointer<Int32>
    /// Predicted next slot after slot `s` at index `s + 1` (index 0: the first key), so
    /// records with a stable key order match each key with one comparison.
    let follow: UnsafeMutablePointer<Int32>
    let containerStack: UnsafeMutablePointer<UInt8>
    let columns: UnsafeMutablePointer<ColumnBuffer>
    let tables: UnsafeMutablePointer<StringTable>
    /// Look-ups the fast path left for the end of the chunk (`DeferredLookup`).
    let deferred: UnsafeMutablePointer<GrowableBuffer<DeferredLookup>>
    /// The last record stamp handed out (the parser carries it while it runs).
    var stamp: UInt32 = 0
    /// Unescaped string bytes of the current record.
    private(set) var unescaped: UnsafeMutablePointer<UInt8>
    private(set) var unescapedCapacity: Int

    init(plan: DecoderPlan) {
        slotCount = plan.slotCount
        columnCount = plan.columnCount
        tableCount = plan.tableCount
        let slots = max(slotCount, 1)
        values = .allocate(capacity: slots)
        values.initialize(repeating: StagedValue(), count: slots)
        present = .allocate(capacity: slots)
        present.initialize(repeating: 0, count: slots)
        follow = .allocate(capacity: slotCount + 1)
        follow.initialize(repeating: -1, count: slotCount + 1)
        containerStack = .allocate(capacity: JSONScanner.maxDepth)
        columns = .allocate(capacity: max(columnCount, 1))
        for slot in 0..<columnCount {
            (columns + slot).initialize(
                to: ColumnBuffer(type: plan.schema[slot].type, fingerprinted: plan.kinds[slot] == .fingerprint))
        }
        tables = .allocate(capacity: max(tableCount, 1))
        for slot in 0..<plan.slotCount where plan.tableOfSlot[slot] >= 0 {
            (tables + plan.tableOfSlot[slot]).initialize(
                to: StringTable(allowedValues: slot == plan.typeSlot ? plan.options.allowedTypes : nil))
        }
        unescapedCapacity = 256
        unescaped = .allocate(capacity: unescapedCapacity)
        deferred = .allocate(capacity: 1)
        deferred.initialize(to: GrowableBuffer(capacity: 1024))
    }

    deinit {
        for c in 0..<columnCount { columns[c].deallocate() }
        columns.deinitialize(count: columnCount)
        columns.deallocate()
        for t in 0..<tableCount { tables[t].deallocate() }
        tables.deinitialize(count: tableCount)
        tables.deallocate()
        values.deallocate()
        present.deallocate()
        follow.deallocate()
        containerStack.deallocate()
        unescaped.deallocate()
        deferred.pointee.deallocate()
        deferred.deinitialize(count: 1)
        deferred.deallocate()
    }

    /// Makes the unescape buffer hold at least `needed` bytes, keeping the first `used`.
    func growUnescaped(to needed: Int, keeping used: Int) {
        var capacity = unescapedCapacity * 2
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: unescaped, count: used)
        unescaped.deallocate()
        unescaped = grown
        unescapedCapacity = capacity
    }
}
