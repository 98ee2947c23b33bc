import SluiceCore

/// The open-addressing set under de-duplication's memory: 16 bytes per remembered id.
///
/// A slot is two words: the id's fingerprint word 0, and its word 1 with the low 16 bits
/// replaced by a *tag* (1…65,535) naming the slot's generation (`DedupeGenerations`); tag
/// 0 marks an empty slot. So one comparison of two words finds an id, and the tag says
/// at once whether it is still remembered, with no per-id expiry field.
///
/// Slots come in 64-byte lines of four, and a probe walks lines, not slots: a look-up
/// costs one cache line in the common case, even at the 80 % load the table runs at
/// (16 B / 0.8 = 20 B per id when just grown to 1.5×, 30 B just before). Lines fill
/// from their first slot and are never emptied one slot at a time, so a look-up stops at
/// the first empty slot. Entries of forgotten generations are dropped in bulk by
/// `purge`, in place.
///
/// - Important: Owns raw memory; noncopyable so that exactly one owner frees it.
struct FingerprintTable: ~Copyable {
    static let tagMask: UInt64 = 0xFFFF
    static let slotsPerLine = 4
    private static let wordsPerLine = 8

    /// Lines in the table (any count ≥ 4: the home line is a multiply-shift of the hash).
    private(set) var lines: Int
    private var words: UnsafeMutablePointer<UInt64>
    /// Occupied slots.
    private(set) var count = 0

    init(lines requested: Int) {
        lines = Swift.max(4, requested)
        words = .allocate(capacity: lines * Self.wordsPerLine)
        words.initialize(repeating: 0, count: lines * Self.wordsPerLine)
    }

    /// A table with room for `entries` at about 60 % load.
    init(forEntries entries: Int) {
        self.init(lines: entries * 10 / (Self.slotsPerLine * 6) + 1)
    }

    deinit { words.deallocate() }

    var slotCount: Int { lines * Self.slotsPerLine }
    var memoryBytes: Int { lines * Self.wordsPerLine * 8 }
    /// At or over the 80 % load a table may hold.
    var isFull: Bool { count * 5 >= slotCount * 4 }

    /// Word 1 of a fingerprint as slots keep it: without the tag bits.
    @inline(__always)
    static func key(_ word1: UInt64) -> UInt64 { word1 & ~tagMask }

    @inline(__always)
    private func home(_ w0: UInt64) -> Int {
        Int(truncatingIfNeeded: StableHash.mix(w0).multipliedFullWidth(by: UInt64(lines)).high)
    }

    /// Starts loading the home line of `w0` (look-ups of a batch run a few rows behind).
    @inline(__always)
    func prefetch(_ w0: UInt64) {
        prefetchForWrite(UnsafeRawPointer(words + home(w0) &* Self.wordsPerLine))
    }

    /// The slot holding the fingerprint (`w0`, `key`) with its tag, or the empty slot where
    /// it would go with tag 0. `key` must have its tag bits clear.
    @inline(__always)
    func find(_ w0: UInt64, _ key: UInt64) -> (slot: Int, tag: UInt64) {
        var line = home(w0)
        while true {
            let p = words + line &* Self.wordsPerLine
            for k in 0..<Self.slotsPerLine {
                let tagged = p[2 &* k &+ 1]
                let tag = tagged & Self.tagMask
                if tag == 0 { return (line &* Self.slotsPerLine &+ k, 0) }
                if p[2 &* k] == w0 && tagged & ~Self.tagMask == key { return (line &* Self.slotsPerLine &+ k, tag) }
            }
            line &+= 1
            if line == lines { line = 0 }
        }
    }

    /// Fills the empty `slot` that `find` returned.
    @inline(__always)
    mutating func insert(at slot: Int, _ w0: UInt64, _ key: UInt64, tag: UInt64) {
        words[2 &* slot] = w0
        words[2 &* slot &+ 1] = key | tag
        count &+= 1
    }

    /// Moves an occupied slot to another generation.
    @inline(__always)
    mutating func retag(_ slot: Int, tag: UInt64) {
        words[2 &* slot &+ 1] = (words[2 &* slot &+ 1] & ~Self.tagMask) | tag
    }

    /// Calls `body(w0, key, tag)` for every occupied slot.
    func forEach(_ body: (UInt64, UInt64, UInt64) -> Void) {
        for slot in 0..<slotCount {
            let tagged = words[2 * slot + 1]
            let tag = tagged & Self.tagMask
            if tag != 0 { body(words[2 * slot], tagged & ~Self.tagMask, tag) }
        }
    }

    /// Drops, in place, every entry whose tag `dead[tag]` marks; returns how many.
    ///
    /// Works line by line around the table from just after a line with an empty slot (no
    /// probe crosses it): each line's survivors are taken out and put back from their home
    /// line, which lies in the part already done (or is this line), so every survivor
    /// stays reachable, with no second table.
    mutating func purge(dead: [Bool]) -> Int {
        let lastTag = 2 * (Self.slotsPerLine - 1) + 1
        var line = 0
        while words[line * Self.wordsPerLine + lastTag] & Self.tagMask != 0 { line += 1 }
        var dropped = 0
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.wordsPerLine) { held in
            for _ in 0..<lines {
                line += 1
                if line == lines { line = 0 }
                let p = words + line * Self.wordsPerLine
                _ = held.initialize(from: UnsafeBufferPointer(start: p, count: Self.wordsPerLine))
                p.update(repeating: 0, count: Self.wordsPerLine)
                for k in 0..<Self.slotsPerLine {
                    let tagged = held[2 * k + 1]
                    let tag = tagged & Self.tagMask
                    if tag == 0 { break }
                    if dead[Int(tag)] {
                        dropped += 1
                        continue
                    }
                    let slot = find(held[2 * k], tagged & ~Self.tagMask).slot
                    words[2 * slot] = held[2 * k]
                    words[2 * slot + 1] = tagged
                }
            }
        }
        count -= dropped
        return dropped
    }

    /// Copies every entry `dead` does not mark into `other` (a larger or smaller table).
    func copySurvivors(into other: inout FingerprintTable, dead: [Bool]) {
        forEach { w0, key, tag in
            guard !dead[Int(tag)] else { return }
            let slot = other.find(w0, key).slot
            other.insert(at: slot, w0, key, tag: tag)
        }
    }
}
