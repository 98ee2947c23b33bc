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
/// The table is cut into 64 segments by six bits of the hash, each grown on its own: a
/// growth copies one segment (1/64 of the ids) rather than all of them, so memory rises
/// smoothly instead of holding the old and the new table at once (2.5× at a growth), and
/// segments growing at different moments average the 20–30 B range. A bounded job's
/// de-duplication may size all segments at once for the ids it expects (`reserve`, at
/// about 60 % load) instead of growing them step by step.
///
/// - Important: Owns raw memory; noncopyable so that exactly one owner frees it.
struct FingerprintTable: ~Copyable {
    static let tagMask: UInt64 = 0xFFFF
    static let slotsPerLine = 4
    static let segmentCount = 64
    private static let wordsPerLine = 8
    private static let minimumLines = 4

    /// One independently sized open-addressing table.
    private struct Segment {
        var words: UnsafeMutablePointer<UInt64>
        /// Lines (any count ≥ 4: the home line is a multiply-shift of the hash).
        var lines: Int
        /// Occupied slots.
        var count = 0

        init(lines requested: Int) {
            lines = Swift.max(FingerprintTable.minimumLines, requested)
            words = SegmentMemory.allocate(words: lines * FingerprintTable.wordsPerLine)
        }

        var slotCount: Int { lines * FingerprintTable.slotsPerLine }

        func free() { SegmentMemory.free(words, words: lines * FingerprintTable.wordsPerLine) }
        /// At or over the 80 % load a segment may hold.
        var isFull: Bool { count * 5 >= slotCount * 4 }

        @inline(__always)
        func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(lines)).high) }

        @inline(__always)
        func find(_ hash: UInt64, _ w0: UInt64, _ key: UInt64) -> (slot: Int, tag: UInt64) {
            var line = home(hash)
            while true {
                let p = words + line &* FingerprintTable.wordsPerLine
                for k in 0..<FingerprintTable.slotsPerLine {
                    let tagged = p[2 &* k &+ 1]
                    let tag = tagged & FingerprintTable.tagMask
                    if tag == 0 { return (line &* FingerprintTable.slotsPerLine &+ k, 0) }
                    if p[2 &* k] == w0 && tagged & ~FingerprintTable.tagMask == key {
                        return (line &* FingerprintTable.slotsPerLine &+ k, tag)
                    }
                }
                line &+= 1
                if line == lines { line = 0 }
            }
        }

        /// Puts the live entries of `slots` slots at `from` (another segment's slots) into
        /// this empty segment as inserting them in the order of their home lines would (each
        /// at the first free slot from its home line's first), with `dense` as room for the
        /// entries and `lineStarts` for one word per line.
        ///
        /// A counting sort by home line, written straight into place: the live entries are
        /// packed, counted per home line, each line's entries given the run of slots from
        /// its first slot or from the end of the line before's (wrapping past the end), and
        /// then scattered. No branch in it depends on an entry but the rare wrap: inserting
        /// one by one (or in the old slots' order, which is home order only roughly)
        /// searched for an empty slot with a mispredicted branch or two per entry, and
        /// growth was a fifth of de-duplication's time.
        mutating func refill(
            from: UnsafePointer<UInt64>, slots: Int, dead: [Bool],
            dense: UnsafeMutablePointer<UInt64>, lineStarts: UnsafeMutablePointer<UInt64>
        ) {
            var live = 0
            dead.withUnsafeBufferPointer { dead in
                for slot in 0..<slots {
                    let w0 = from[2 &* slot]
                    let tagged = from[2 &* slot &+ 1]
                    dense[2 &* live] = w0
                    dense[2 &* live &+ 1] = tagged
                    let tag = Int(truncatingIfNeeded: tagged & FingerprintTable.tagMask)
                    live &+= tag != 0 && !dead[tag] ? 1 : 0
                }
            }
            // Per line: its entries in the high half, its next slot in the low half (counted
            // on past the end; a slot beyond it wraps to the start).
            lineStarts.update(repeating: 0, count: lines)
            for entry in 0..<live { lineStarts[home(FingerprintTable.hash(dense[2 &* entry]))] &+= 1 << 32 }
            var next = 0
            for line in 0..<lines {
                let entries = Int(truncatingIfNeeded: lineStarts[line] >> 32)
                let start = Swift.max(line &* FingerprintTable.slotsPerLine, next)
                lineStarts[line] = UInt64(entries) << 32 | UInt64(start)
                next = start &+ entries
            }
            let end = slotCount
            if next > end {
                // The last runs wrap into the first slots: the first lines' runs start after them.
                var taken = next &- end
                for line in 0..<lines {
                    let start = Int(truncatingIfNeeded: lineStarts[line] & 0xFFFF_FFFF)
                    if start >= taken { break }
                    let entries = Int(truncatingIfNeeded: lineStarts[line] >> 32)
                    lineStarts[line] = UInt64(entries) << 32 | UInt64(taken)
                    taken &+= entries
                }
            }
            for entry in 0..<live {
                let w0 = dense[2 &* entry]
                let line = home(FingerprintTable.hash(w0))
                var slot = Int(truncatingIfNeeded: lineStarts[line] & 0xFFFF_FFFF)
                lineStarts[line] &+= 1
                if slot >= end { slot &-= end }
                words[2 &* slot] = w0
                words[2 &* slot &+ 1] = dense[2 &* entry &+ 1]
            }
            count &+= live
        }
    }

    private var segments: UnsafeMutablePointer<Segment>
    /// Occupied slots in all segments.
    private(set) var count = 0
    /// A rebuilt segment's live entries, packed, and a word per line of the new one; a bit
    /// larger than the largest segment rebuilt (a 64th of the table).
    private var scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: 0)
    private var scratchWords = 0
    /// Segments grown in their own, extended memory (tests).
    private(set) var growthsInPlace = 0

    /// A table with room for `entries` at about 60 % load.
    init(forEntries entries: Int) {
        let lines = Self.linesPerSegment(forEntries: entries)
        segments = .allocate(capacity: Self.segmentCount)
        for i in 0..<Self.segmentCount { (segments + i).initialize(to: Segment(lines: lines)) }
    }

    /// Lines per segment for `entries` in all at about 60 % load.
    private static func linesPerSegment(forEntries entries: Int) -> Int {
        entries * 10 / (slotsPerLine * 6 * segmentCount) + 1
    }

    /// Whether `entries` in all would fill some segment past its load limit: three
    /// quarters of the lines they need at 60 % load hold them at 80 %, where `isFull`
    /// grows a segment.
    func needsRoom(forEntries entries: Int) -> Bool {
        let lines = Self.linesPerSegment(forEntries: entries)
        return (0..<Self.segmentCount).contains { segments[$0].lines * 4 < lines * 3 }
    }

    /// Rebuilds every segment smaller than `entries` need (at about 60 % load) at that
    /// size, leaving out the entries `dead` marks; returns how many were left out.
    mutating func reserve(forEntries entries: Int, dead: [Bool]) -> Int {
        let lines = Self.linesPerSegment(forEntries: entries)
        var dropped = 0
        for i in 0..<Self.segmentCount where segments[i].lines < lines { dropped += resize(i, lines: lines, dead: dead) }
        return dropped
    }

    deinit {
        for i in 0..<Self.segmentCount { segments[i].free() }
        segments.deallocate()
        scratch.deallocate()
    }

    var slotCount: Int { (0..<Self.segmentCount).reduce(0) { $0 + segments[$1].slotCount } }
    var memoryBytes: Int {
        (0..<Self.segmentCount).reduce(0) { $0 + segments[$1].lines * Self.wordsPerLine * 8 }
            + Self.segmentCount * MemoryLayout<Segment>.stride + scratchWords * 8
    }

    /// Word 1 of a fingerprint as slots keep it: without the tag bits.
    @inline(__always)
    static func key(_ word1: UInt64) -> UInt64 { word1 & ~tagMask }

    /// The hash that places `w0`: its low six bits pick the segment, its high bits the line.
    @inline(__always)
    static func hash(_ w0: UInt64) -> UInt64 { StableHash.mix(w0) }

    @inline(__always)
    private static func segment(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & (segmentCount - 1) }

    /// Starts loading the home line of `w0` (look-ups of a batch run a few rows behind).
    @inline(__always)
    func prefetch(_ w0: UInt64) {
        let hash = Self.hash(w0)
        let segment = segments[Self.segment(hash)]
        prefetchForWrite(UnsafeRawPointer(segment.words + segment.home(hash) &* Self.wordsPerLine))
    }

    /// Where the fingerprint (`w0`, `key`) is, with its tag, or the empty slot where it
    /// would go, with tag 0. `key` must have its tag bits clear.
    @inline(__always)
    func find(_ w0: UInt64, _ key: UInt64) -> (segment: Int, slot: Int, tag: UInt64) {
        let hash = Self.hash(w0)
        let segment = Self.segment(hash)
        let (slot, tag) = segments[segment].find(hash, w0, key)
        return (segment, slot, tag)
    }

    /// Fills the empty slot that `find` returned; true when its segment is now full.
    @inline(__always)
    mutating func insert(segment: Int, slot: Int, _ w0: UInt64, _ key: UInt64, tag: UInt64) -> Bool {
        let words = segments[segment].words
        words[2 &* slot] = w0
        words[2 &* slot &+ 1] = key | tag
        segments[segment].count &+= 1
        count &+= 1
        return segments[segment].isFull
    }

    /// Moves an occupied slot to another generation.
    @inline(__always)
    mutating func retag(segment: Int, slot: Int, tag: UInt64) {
        let words = segments[segment].words
        words[2 &* slot &+ 1] = (words[2 &* slot &+ 1] & ~Self.tagMask) | tag
    }

    /// The order a snapshot lists ids in (`DedupeIdOrder`): the hash rotated so that its
    /// segment bits come first. A segment's home lines follow its hashes' order.
    @inline(__always)
    static func snapshotOrder(_ w0: UInt64) -> UInt64 {
        let hash = Self.hash(w0)
        return hash >> 6 | hash << 58
    }

    /// Calls `body(w0, key, tag)` for every occupied slot, segment by segment (the hash's
    /// low six bits) and line by line (its high bits): in `snapshotOrder` but for entries
    /// that share or crowd a line, and the few a probe carried past a segment's last line
    /// into its first ones.
    func forEach(_ body: (UInt64, UInt64, UInt64) -> Void) {
        for i in 0..<Self.segmentCount {
            let segment = segments[i]
            for slot in 0..<segment.slotCount {
                let tagged = segment.words[2 &* slot &+ 1]
                let tag = tagged & Self.tagMask
                if tag != 0 { body(segment.words[2 &* slot], tagged & ~Self.tagMask, tag) }
            }
        }
    }

    /// Grows `segment` by half, leaving out the entries `dead` marks; returns how many.
    mutating func grow(segment i: Int, dead: [Bool]) -> Int {
        let old = segments[i]
        let lines = old.lines + old.lines / 2 + 1
        let words = old.lines * Self.wordsPerLine
        guard SegmentMemory.extendsInPlace(words: words) else { return resize(i, lines: lines, dead: dead) }
        // The entries wait in the scratch copy while the segment's own memory is extended
        // and cleared: the kernel adds a third of the pages instead of mapping and zeroing
        // all of them anew and unmapping the old ones, and the old part is still cached.
        reserveScratch(words: words + lines)
        scratch.update(from: old.words, count: words)
        var grown = old
        grown.words = SegmentMemory.extend(old.words, words: words, to: lines * Self.wordsPerLine)
        grown.words.update(repeating: 0, count: words)
        grown.lines = lines
        grown.count = 0
        grown.refill(from: scratch, slots: old.slotCount, dead: dead, dense: scratch, lineStarts: scratch + words)
        growthsInPlace += 1
        segments[i] = grown
        count -= old.count - grown.count
        return old.count - grown.count
    }

    /// Drops every entry whose tag `dead[tag]` marks, in place, and rebuilds segments left
    /// under a quarter full smaller (memory follows the live ids down); returns how many.
    mutating func purge(dead: [Bool]) -> Int {
        var dropped = 0
        for i in 0..<Self.segmentCount {
            dropped += purge(i, dead: dead)
            let segment = segments[i]
            if segment.count * 4 < segment.slotCount, segment.lines > Self.minimumLines {
                _ = resize(i, lines: segment.count * 10 / (Self.slotsPerLine * 6) + 1, dead: dead)
            }
        }
        // Growth resumes from the live ids, which may be far fewer: it gets a scratch again.
        scratch.deallocate()
        scratch = .allocate(capacity: 0)
        scratchWords = 0
        return dropped
    }

    private mutating func reserveScratch(words: Int) {
        guard scratchWords < words else { return }
        scratch.deallocate()
        scratch = .allocate(capacity: words)
        scratchWords = words
    }

    /// Rebuilds segment `i` with `lines` lines, leaving out what `dead` marks.
    private mutating func resize(_ i: Int, lines: Int, dead: [Bool]) -> Int {
        let old = segments[i]
        var fresh = Segment(lines: lines)
        let words = old.lines * Self.wordsPerLine
        reserveScratch(words: words + fresh.lines)
        fresh.refill(from: old.words, slots: old.slotCount, dead: dead, dense: scratch, lineStarts: scratch + words)
        old.free()
        segments[i] = fresh
        count -= old.count - fresh.count
        return old.count - fresh.count
    }

    /// Drops, in place, the entries of segment `i` whose tag `dead` marks; returns how many.
    ///
    /// Works line by line around the segment from just after a line with an empty slot (no
    /// probe crosses it): each line's survivors are taken out and put back from their home
    /// line, which lies in the part already done (or is this line), so every survivor
    /// stays reachable, with no second table.
    private mutating func purge(_ i: Int, dead: [Bool]) -> Int {
        let segment = segments[i]
        let words = segment.words
        let lastTag = 2 * (Self.slotsPerLine - 1) + 1
        var line = 0
        while words[line * Self.wordsPerLine + lastTag] & Self.tagMask != 0 { line += 1 }
        var dropped = 0
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.wordsPerLine) { held in
            for _ in 0..<segment.lines {
                line += 1
                if line == segment.lines { line = 0 }
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
                    let slot = segment.find(Self.hash(held[2 * k]), held[2 * k], tagged & ~Self.tagMask).slot
                    words[2 * slot] = held[2 * k]
                    words[2 * slot + 1] = tagged
                }
            }
        }
        segments[i].count -= dropped
        count -= dropped
        return dropped
    }
}
