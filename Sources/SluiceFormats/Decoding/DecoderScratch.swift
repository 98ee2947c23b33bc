/// One extracted field of the record being decoded, staged until the record is accepted.
struct StagedValue {
    /// The record this value belongs to; older stamps mean "absent in this record".
    var stamp: UInt32 = 0
    var isNull = false
    /// The text is in the scratch's unescape buffer rather than in the record.
    var inScratch = false
    /// Int64 / timestamp / Double bit pattern / Bool as 0 or 1.
    var bits: UInt64 = 0
    /// String text: offset from the record start (or the unescape buffer) and length.
    var offset = 0
    var length = 0
}

/// The decoder's per-record working memory, in stable allocations the hot loop reaches
/// through pointers.
///
/// A reference type so the pointers stay put; `JSONBatchDecoder` gives each of its
/// copies a private instance before decoding (copy-on-write by
/// `isKnownUniquelyReferenced`), so two threads never share one.
final class DecoderScratch: @unchecked Sendable {
    let slotCount: Int
    let values: UnsafeMutablePointer<StagedValue>
    /// Predicted next slot after slot `s` at index `s + 1` (index 0: the first key), so
    /// records with a stable key order match each key with one comparison.
    let follow: UnsafeMutablePointer<Int32>
    let containerStack: UnsafeMutablePointer<UInt8>
    private(set) var stamp: UInt32 = 0
    /// Unescaped string bytes of the current record.
    private(set) var unescaped: UnsafeMutablePointer<UInt8>
    private var unescapedCapacity: Int
    var unescapedCount = 0

    init(slotCount: Int) {
        self.slotCount = slotCount
        values = .allocate(capacity: max(slotCount, 1))
        values.initialize(repeating: StagedValue(), count: max(slotCount, 1))
        follow = .allocate(capacity: slotCount + 1)
        follow.initialize(repeating: -1, count: slotCount + 1)
        containerStack = .allocate(capacity: JSONScanner.maxDepth)
        unescapedCapacity = 256
        unescaped = .allocate(capacity: unescapedCapacity)
    }

    deinit {
        values.deallocate()
        follow.deallocate()
        containerStack.deallocate()
        unescaped.deallocate()
    }

    /// Starts a record: a fresh stamp invalidates every staged value at once.
    @inline(__always)
    func beginRecord() -> UInt32 {
        unescapedCount = 0
        if stamp == UInt32.max {
            for i in 0..<max(slotCount, 1) { values[i].stamp = 0 }
            stamp = 0
        }
        stamp &+= 1
        return stamp
    }

    /// Makes room for `count` more unescaped bytes and returns where they go (as an
    /// offset: the buffer may move, staged offsets stay valid).
    func reserveUnescaped(_ count: Int) -> Int {
        let needed = unescapedCount + count
        if needed > unescapedCapacity {
            var capacity = unescapedCapacity * 2
            while capacity < needed { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: unescaped, count: unescapedCount)
            unescaped.deallocate()
            unescaped = grown
            unescapedCapacity = capacity
        }
        return unescapedCount
    }
}
