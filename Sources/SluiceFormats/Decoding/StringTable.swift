import SluiceCore

/// Turns the bytes of one string column into dictionary codes, keeping the `String`s
/// across batches so recurring values (agent ids, metric names) are hashed and compared
/// as bytes but allocated only once.
///
/// Codes are stable across batches once a column settles: when the last batch brought
/// few new strings (at most 1 in 16 lookups) and the table is not much larger than a
/// batch (`stableRowsFactor`), a batch's dictionary is the table's whole string list
/// and a code is the entry number. While nothing new appears that list is the very same
/// array buffer batch after batch, so downstream translations keyed on the buffer
/// (`KeyWordEncoder`) are reused instead of re-interning every batch. Otherwise (warming
/// up) each batch gets its own compact dictionary.
///
/// Open addressing over 32-byte slots that hold everything a lookup needs — the
/// string's bytes (up to 16 inline, longer ones in an arena), its entry number, and its
/// code in the current batch — so a lookup costs one cache line, which matters once the
/// table outgrows the L1/L2 caches (10,000+ agent ids). A new batch only bumps
/// `batchStamp`.
///
/// Memory stays bounded: the table is cleared between batches once it holds more than
/// `maxEntries` strings or `maxArenaBytes` of text, in every mode.
///
/// A churning column — over twice a batch's lookups in the table while three quarters
/// of the last batch's lookups were new strings: a unique-per-event column such as `id` —
/// passes its strings through for the next `passThroughBatches` batches: each value
/// read becomes the next dictionary entry, with no hashing or probing. The table's
/// slots would only be cache misses there (a third of the DAA decode's time was that
/// one probe) plus a clear of the table every few batches. Such a dictionary has one
/// entry per value read, so it repeats a string that recurs within the batch, which
/// every consumer allows (codes index the dictionary; equal strings are compared as
/// strings). Afterwards the table starts over empty and measures the column again. The
/// event-type column (a table with allowed values) never passes through: its check
/// looks each value up in the table (`slot`, `isAllowed`).
///
/// - Important: Owns raw allocations: its owner (`DecoderState`) calls `deallocate()`.
struct StringTable {
    static let maxEntries = 1 << 18
    static let maxArenaBytes = 8 << 20
    /// A stable dictionary may hold up to this many entries per lookup of the last batch:
    /// consumers that touch every entry per batch (`Scatter`'s hashes, expression
    /// kernels) then cost at most a few steps per row.
    static let stableRowsFactor = 4
    /// Batches a churning column passes through before it is measured again: at most
    /// one batch in 16 pays for the measurement (three batches to see the churn again).
    static let passThroughBatches = 48

    /// One distinct string. Short strings: `low`/`high` are its `ShortBytes` words.
    /// Long strings: `low` is the arena offset and `high` the full hash.
    private struct Slot: BitwiseCopyable {
        var low: UInt64
        var high: UInt64
        var length: Int32
        /// The entry number, -1 for an empty slot.
        var entry: Int32
        var stamp: UInt32
        var code: UInt32

        static let empty = Slot(low: 0, high: 0, length: 0, entry: -1, stamp: 0, code: 0)
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    private var count = 0
    private var arena = GrowableBuffer<UInt8>(capacity: 16 << 10)
    private var strings: [String] = []
    private var allowed = GrowableBuffer<Bool>(capacity: 64)
    private var batchStamp: UInt32 = 1
    private var lookups = 0
    private var countAtBatchStart = 0
    private let allowedValues: Set<String>?
    /// This batch's dictionary: code → string (unused while `isStable`).
    private(set) var dictionary: [String] = []
    /// This batch's codes are entry numbers and its dictionary is `strings`.
    private(set) var isStable = false
    /// Batches left passing strings through (see the type's notes); 0 when hashing.
    private(set) var passThroughLeft = 0
    /// This batch's short strings may be looked up at the end of the chunk
    /// (`DeferredLookup`): the table is hashing, has no allowed set to check, and has at
    /// least `deferredFromSlots` slots.
    private(set) var defersLookups = false
    /// Tables of at least this many slots (512 KB) defer look-ups: a quarter of this
    /// machine's L2, which each decoding thread's tables and the partitions' state share.
    /// Smaller ones (DAA's 1,000 agent ids: 2,048 slots) stay in the caches, where looking
    /// up at once costs less than keeping the string for later.
    static let deferredFromSlots = 1 << 14

    init(allowedValues: Set<String>? = nil) {
        self.allowedValues = allowedValues
        mask = 1023
        slots = .allocate(capacity: mask + 1)
        slots.initialize(repeating: .empty, count: mask + 1)
    }

    func deallocate() {
        slots.deallocate()
        arena.deallocate()
        allowed.deallocate()
    }

    /// Starts a batch with an empty dictionary.
    mutating func beginBatch() {
        let inserted = count - countAtBatchStart
        let churning = count > 2 * max(lookups, 1024) && inserted * 4 > lookups * 3 && allowedValues == nil
        var cleared = false
        if passThroughLeft > 0 {
            passThroughLeft -= 1
            // Measuring again: sized for a batch like the last one.
            if passThroughLeft == 0 {
                clear(sizedFor: lookups)
                cleared = true
            }
        } else if churning {
            passThroughLeft = StringTable.passThroughBatches
            clear(sizedFor: 0)
            cleared = true
        }
        if count > StringTable.maxEntries || arena.count > StringTable.maxArenaBytes {
            clear(sizedFor: lookups)
            cleared = true
        }
        // Stable only when the table kept its strings and settled.
        isStable =
            !cleared && passThroughLeft == 0 && lookups > 0 && inserted &* 16 <= lookups
            && count <= StringTable.stableRowsFactor &* lookups
        dictionary = []
        if passThroughLeft > 0 { dictionary.reserveCapacity(lookups) }
        lookups = 0
        countAtBatchStart = count
        if batchStamp == UInt32.max {
            for i in 0...mask { slots[i].stamp = 0 }
            batchStamp = 0
        }
        batchStamp &+= 1
        defersLookups = passThroughLeft == 0 && allowedValues == nil && mask &+ 1 >= StringTable.deferredFromSlots
    }

    /// Empties the table, with room for `lookups` strings without growing.
    private mutating func clear(sizedFor lookups: Int) {
        slots.deallocate()
        var size = 1024
        while size * 3 < min(lookups, StringTable.maxEntries) * 4 { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: mask + 1)
        slots.initialize(repeating: .empty, count: mask + 1)
        count = 0
        arena.removeAll()
        allowed.removeAll()
        strings.removeAll(keepingCapacity: true)
    }

    /// Hands this batch's dictionary over and leaves an empty one.
    mutating func takeDictionary() -> [String] {
        if isStable { return strings }
        let out = dictionary
        dictionary = []
        return out
    }

    /// The slot holding the `n` bytes at `p` (valid UTF-8), inserting them if new;
    /// `readable` bytes (at least `n`) may be read at `p`.
    @inline(__always)
    mutating func slot(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> Int {
        if n <= 16 {
            let (low, high) = ShortBytes.words(p, n, readable: readable)
            return shortSlot(p, n, low: low, high: high)
        }
        lookups &+= 1
        return longSlot(p, n)
    }

    /// `slot` of a string of `n` ≤ 16 bytes at `p` whose `ShortBytes` words are given.
    @inline(__always)
    mutating func shortSlot(_ p: UnsafePointer<UInt8>, _ n: Int, low: UInt64, high: UInt64) -> Int {
        lookups &+= 1
        var i = Int(truncatingIfNeeded: ByteHash.short(low, high, n)) & mask
        while true {
            let slot = slots + i
            if slot.pointee.low == low && slot.pointee.high == high && Int(slot.pointee.length) == n
                && slot.pointee.entry >= 0
            {
                return i
            }
            if slot.pointee.entry < 0 { return insert(p, n, low: low, high: high, at: i) }
            i = (i &+ 1) & mask
        }
    }

    /// Starts loading the slot where `shortSlot` of these words begins its search.
    @inline(__always)
    func prefetchShortSlot(_ n: Int, low: UInt64, high: UInt64) {
        let i = Int(truncatingIfNeeded: ByteHash.short(low, high, n)) & mask
        prefetchForRead(UnsafeRawPointer(slots + i))
    }

    private mutating func longSlot(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let hash = ByteHash.long(p, n)
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots + i
            if slot.pointee.entry < 0 {
                let offset = UInt64(arena.count)
                arena.append(p, count: n)
                return insert(p, n, low: offset, high: hash, at: i)
            }
            if slot.pointee.high == hash && Int(slot.pointee.length) == n
                && bytesEqual(arena.base + Int(slot.pointee.low), p, n)
            {
                return i
            }
            i = (i &+ 1) & mask
        }
    }

    @inline(never)
    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, low: UInt64, high: UInt64, at i: Int) -> Int {
        let string = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        slots[i] = Slot(low: low, high: high, length: Int32(clamping: n), entry: Int32(count), stamp: 0, code: 0)
        count += 1
        strings.append(string)
        allowed.append(allowedValues?.contains(string) ?? true)
        if count * 4 > (mask + 1) * 3 { return grow(keeping: i) }
        return i
    }

    /// Doubles the table; returns where the slot that was at `kept` went.
    private mutating func grow(keeping kept: Int) -> Int {
        let size = (mask + 1) * 2
        let grown = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        grown.initialize(repeating: .empty, count: size)
        let newMask = size - 1
        var moved = 0
        for old in 0...mask where slots[old].entry >= 0 {
            let slot = slots[old]
            let n = Int(slot.length)
            let hash = n <= 16 ? ByteHash.short(slot.low, slot.high, n) : slot.high
            var i = Int(truncatingIfNeeded: hash) & newMask
            while grown[i].entry >= 0 { i = (i + 1) & newMask }
            grown[i] = slot
            if old == kept { moved = i }
        }
        slots.deallocate()
        slots = grown
        mask = newMask
        return moved
    }

    /// The code of the string in `slot` in this batch's dictionary, adding it on first use.
    @inline(__always)
    mutating func code(ofSlot i: Int) -> UInt32 {
        let slot = slots + i
        if isStable { return UInt32(truncatingIfNeeded: slot.pointee.entry) }
        if slot.pointee.stamp == batchStamp { return slot.pointee.code }
        let code = UInt32(dictionary.count)
        dictionary.append(strings[Int(slot.pointee.entry)])
        slot.pointee.stamp = batchStamp
        slot.pointee.code = code
        return code
    }

    /// The dictionary code of the `n` bytes at `p` (valid UTF-8) in this batch.
    @inline(__always)
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> UInt32 {
        if passThroughLeft > 0 {
            lookups &+= 1
            let code = UInt32(truncatingIfNeeded: dictionary.count)
            dictionary.append(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
            return code
        }
        return code(ofSlot: slot(p, n, readable: readable))
    }

    func string(ofSlot i: Int) -> String { strings[Int(slots[i].entry)] }

    /// False when the table has an allowed set that does not contain the slot's string.
    func isAllowed(slot i: Int) -> Bool { allowed[Int(slots[i].entry)] }
}
