/// A short string the fast path read into a column whose table is too large to stay in
/// the caches: its dictionary code is looked up when the chunk is done
/// (`JSONBatchDecoder.resolveDeferredLookups`), with the table slot of a later one
/// prefetched meanwhile.
///
/// Why: looked up as each record is read, a table of 10,000 agent ids (16,384 slots,
/// 512 KB, one per decoding thread) missed the caches on most look-ups, and each miss
/// stalled the record's parse: 40 % of the fast path's samples in W1-file sat on that
/// one load. In a loop of their own the misses overlap.
struct DeferredLookup: BitwiseCopyable {
    /// The string's `ShortBytes` words.
    var low: UInt64
    var high: UInt64
    /// Its bytes in the chunk being decoded, for a string the table does not have yet.
    var bytes: UnsafePointer<UInt8>
    var row: Int32
    var slot: UInt16
    var length: UInt16
}

extension GrowableBuffer where Element == DeferredLookup {
    /// Drops the look-ups of rows `row...` (they are the last ones: rows are read in order).
    @inline(__always)
    mutating func dropRows(from row: Int) {
        while count > 0 && Int(base[count &- 1].row) >= row { truncate(to: count &- 1) }
    }
}
