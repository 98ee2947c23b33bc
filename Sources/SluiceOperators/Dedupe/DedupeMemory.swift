import SluiceCore

/// A remembered id as de-duplication keeps it: two words, the second without the tag
/// bits (`FingerprintTable.key`). For integer ids, word 0 is the id and word 1 is 0.
struct DedupeKey: Hashable {
    var w0: UInt64
    var w1: UInt64
}

/// One row's look-up: its id's fingerprint words, its bucket, and whether it passes
/// without one (a null id or time).
struct DedupeProbe {
    var w0: UInt64
    var w1: UInt64
    var bucket: Int64
    var passes: Bool
}

/// The ids de-duplication remembers, each under the event-time bucket of the event that
/// made it known: a `FingerprintTable` of 16-byte entries whose tags name their bucket
/// (`DedupeGenerations`).
///
/// Forgetting a bucket kills its tag, so its ids count as absent at once; their slots are
/// purged in place once dead entries reach a quarter of the live ones (so the table holds
/// at most 1.25× the live ids), and segments left under a quarter full are rebuilt
/// smaller: memory follows the live ids both ways. Ids whose bucket found no free tag (input
/// spread over 65,535 future buckets at once) are kept exactly in `overflow`.
///
/// - Important: Owns raw memory (noncopyable).
struct DedupeMemory: ~Copyable {
    private var table: FingerprintTable
    private var generations: DedupeGenerations
    /// Live ids that found no tag, by key, with their bucket.
    private var overflow: [DedupeKey: Int64] = [:]
    /// Ids in buckets at or after this one are remembered.
    private(set) var firstLiveBucket: Int64 = .min

    init(expectedEntries: Int = 0, maxTags: Int = Int(FingerprintTable.tagMask)) {
        table = FingerprintTable(forEntries: expectedEntries)
        generations = DedupeGenerations(maxTags: maxTags)
    }

    /// Ids currently remembered.
    var liveCount: Int { generations.liveEntries + overflow.count }
    /// Table segments grown in their own, extended memory (tests).
    var growthsInPlace: Int { table.growthsInPlace }
    /// Live ids kept outside the table because every tag was taken.
    var overflowCount: Int { overflow.count }
    /// Entries held, live or forgotten but not yet purged.
    var storedCount: Int { table.count + overflow.count }
    /// Bytes held (the table, the tag bookkeeping and the overflow, roughly).
    var memoryBytes: Int { table.memoryBytes + generations.bucketOfTag.count * 17 + overflow.count * 40 }

    /// How many rows ahead `checkAndRemember(_:)` loads a table line.
    private static let lookahead = 16

    /// `checkAndRemember` for rows in arrival order (rows that `passes` are not looked
    /// up): whether each is a duplicate. Each row's table line is prefetched a few rows
    /// early, so cache misses overlap instead of queueing. For these rows, buckets before
    /// `liveFrom` (nil: `firstLiveBucket`) count as forgotten already.
    mutating func checkAndRemember(_ probes: [DedupeProbe], liveFrom: Int64? = nil) -> [Bool] {
        let count = probes.count
        let liveFrom = max(liveFrom ?? firstLiveBucket, firstLiveBucket)
        return [Bool](unsafeUninitializedCapacity: count) { isDuplicate, initialized in
            for j in 0..<count {
                if j + Self.lookahead < count { table.prefetch(probes[j + Self.lookahead].w0) }
                let probe = probes[j]
                isDuplicate[j] =
                    !probe.passes && checkAndRemember(probe.w0, probe.w1, bucket: probe.bucket, liveFrom: liveFrom)
            }
            initialized = count
        }
    }

    /// The same for parallel arrays (tests).
    mutating func checkAndRemember(_ w0: [UInt64], _ w1: [UInt64], buckets: [Int64], passes: [Bool]) -> [Bool] {
        checkAndRemember((0..<w0.count).map { DedupeProbe(w0: w0[$0], w1: w1[$0], bucket: buckets[$0], passes: passes[$0]) })
    }

    /// True when the id is remembered (a duplicate); otherwise remembers it under
    /// `bucket`, unless that bucket is already forgotten. Buckets before `liveFrom` (at
    /// least `firstLiveBucket`) count as forgotten: the row's own watermark may have
    /// passed them while the operator's has not (`DedupeOperator`), and the row must be
    /// judged the same either way. An id found under such a bucket is remembered anew
    /// under `bucket` (where it is), except when no tag is free for `bucket`: then it keeps
    /// its older bucket until that is forgotten (the tags run out only when input spreads
    /// over 65,535 buckets at once).
    @inline(__always)
    mutating func checkAndRemember(_ w0: UInt64, _ w1: UInt64, bucket: Int64, liveFrom: Int64) -> Bool {
        let key = FingerprintTable.key(w1)
        let (segment, slot, found) = table.find(w0, key)
        // Remembered, but under a bucket these rows have forgotten.
        var stale = false
        if found != 0 && generations.isLive(found) {
            if generations.bucket(of: found) >= liveFrom { return true }
            stale = true
        }
        if !overflow.isEmpty, let known = overflow[DedupeKey(w0: w0, w1: key)] {
            if known >= liveFrom { return true }
            if bucket >= liveFrom { overflow[DedupeKey(w0: w0, w1: key)] = bucket }
            return false
        }
        guard bucket >= liveFrom else { return false }
        let tag = generations.tag(for: bucket)
        guard tag != 0 else {
            return rememberWithoutTag(w0, key, bucket: bucket, liveFrom: liveFrom, keepingStale: stale)
        }
        if found != 0 {
            generations.moved(from: UInt16(found))
            table.retag(segment: segment, slot: slot, tag: UInt64(tag))
        } else if table.insert(segment: segment, slot: slot, w0, key, tag: UInt64(tag)) {
            makeRoom(segment)
        }
        generations.added(tag)
        return false
    }

    /// The same, for ids of buckets from `firstLiveBucket` on (restoring, tests).
    mutating func checkAndRemember(_ w0: UInt64, _ w1: UInt64, bucket: Int64) -> Bool {
        checkAndRemember(w0, w1, bucket: bucket, liveFrom: firstLiveBucket)
    }

    /// Whether the id is remembered, without remembering it.
    func isRemembered(_ w0: UInt64, _ w1: UInt64) -> Bool {
        let key = FingerprintTable.key(w1)
        let found = table.find(w0, key).tag
        if found != 0 && generations.isLive(found) { return true }
        return !overflow.isEmpty && overflow[DedupeKey(w0: w0, w1: key)] != nil
    }

    /// Every tag is taken: a purge may free some, else the id goes to `overflow`.
    /// With `keepingStale`, the id is in the table under a live bucket before `liveFrom`:
    /// unless a purge frees a tag, it stays there.
    private mutating func rememberWithoutTag(
        _ w0: UInt64, _ key: UInt64, bucket: Int64, liveFrom: Int64, keepingStale: Bool
    ) -> Bool {
        if !generations.deadTags.isEmpty {
            purge()
            if generations.tag(for: bucket) != 0 {
                return checkAndRemember(w0, key, bucket: bucket, liveFrom: liveFrom)
            }
        }
        if keepingStale { return false }
        overflow[DedupeKey(w0: w0, w1: key)] = bucket
        return false
    }

    /// Makes room for `entries` live ids in all, when the table would otherwise grow to
    /// hold them step by step (each step copies a segment). Segments are rebuilt at about
    /// 60 % load, about 27 bytes per id once they are all in.
    mutating func reserve(forEntries entries: Int) {
        guard table.needsRoom(forEntries: entries) else { return }
        let dropped = table.reserve(forEntries: entries, dead: generations.isDead)
        if dropped > 0 { generations.dropped(dropped) }
    }

    /// Forgets every bucket before `bucket`.
    mutating func forget(before bucket: Int64) {
        guard bucket > firstLiveBucket else { return }
        firstLiveBucket = bucket
        generations.forget(before: bucket)
        if !overflow.isEmpty { overflow = overflow.filter { $0.value >= bucket } }
        let dead = generations.deadEntries
        if dead > 0, dead * 4 >= generations.liveEntries { purge() }
    }

    /// A segment reached its load limit: purge when forgotten entries make up an eighth
    /// of the table, else grow the segment by half (20 → 30 bytes per id between growths).
    private mutating func makeRoom(_ segment: Int) {
        if generations.deadEntries * 8 >= table.count {
            purge()
        } else {
            let dropped = table.grow(segment: segment, dead: generations.isDead)
            if dropped > 0 { generations.dropped(dropped) }
        }
    }

    private mutating func purge() {
        _ = table.purge(dead: generations.isDead)
        generations.purged()
    }

    /// Writes the live ids by segment, as a snapshot lists them: the number of segments,
    /// then per segment its bucket, its id count and its ids (word 0, word 1: 16 bytes
    /// each) in `DedupeIdOrder`. Segments come with their buckets ascending, a bucket's in
    /// the order they were opened (ids kept outside the table last). The same ids remembered
    /// between the same `seal()`s give the same bytes whatever order they came in, and a
    /// sealed segment's bytes do not change until its bucket is forgotten (unless a row
    /// whose own watermark had forgotten that bucket brought one of its ids again: the id
    /// then moves to the row's bucket, `checkAndRemember`).
    ///
    /// Each id is written once, straight into its segment's place: one pass over the table
    /// in nearly that order, then a sort of each segment that has little left to do.
    func writeSegments(into writer: inout SnapshotWriter) {
        var overflowByBucket: [Int64: [DedupeKey]] = [:]
        for (key, bucket) in overflow { overflowByBucket[bucket, default: []].append(key) }
        let overflowBuckets = overflowByBucket.keys.sorted()
        // Table segments in order, each bucket's ids kept outside the table after its own.
        var groups: [(bucket: Int64, tag: UInt16)] = []
        groups.reserveCapacity(generations.liveTags.count + overflowBuckets.count)
        var nextOverflow = 0
        for (bucket, tag) in zip(generations.liveBuckets, generations.liveTags) where generations.entriesOfTag[Int(tag)] > 0 {
            while nextOverflow < overflowBuckets.count, overflowBuckets[nextOverflow] < bucket {
                groups.append((overflowBuckets[nextOverflow], 0))
                nextOverflow += 1
            }
            groups.append((bucket, tag))
        }
        groups += overflowBuckets[nextOverflow...].map { ($0, 0) }
        writer.reserveCapacity(writer.bytes.count + 8 + groups.count * 16 + liveCount * 16)
        writer.write(groups.count)
        // Per tag: where its next id goes and where its room ends (-1: not written).
        var next = [Int](repeating: -1, count: generations.bucketOfTag.count)
        var end = next
        for group in groups {
            writer.write(group.bucket)
            if group.tag == 0 {
                let keys = DedupeIdOrder.sorted(overflowByBucket[group.bucket]!)
                writer.write(keys.count)
                for key in keys {
                    writer.write(key.w0)
                    writer.write(key.w1)
                }
            } else {
                let count = generations.entriesOfTag[Int(group.tag)]
                writer.write(count)
                next[Int(group.tag)] = writer.appendRoom(count * 16)
                end[Int(group.tag)] = next[Int(group.tag)] + count * 16
            }
        }
        writer.withUnsafeMutableBytes { bytes in
            next.withUnsafeMutableBufferPointer { next in
                end.withUnsafeBufferPointer { end in
                    table.forEach { w0, key, tag in
                        let at = next[Int(tag)]
                        guard at >= 0 else { return }  // a forgotten bucket's
                        precondition(at < end[Int(tag)], "more ids carry tag \(tag) than counted")
                        bytes.storeBytes(of: w0.littleEndian, toByteOffset: at, as: UInt64.self)
                        bytes.storeBytes(of: key.littleEndian, toByteOffset: at + 8, as: UInt64.self)
                        next[Int(tag)] = at + 16
                    }
                }
            }
            for group in groups where group.tag != 0 {
                let tag = Int(group.tag)
                precondition(next[tag] == end[tag], "fewer ids carry tag \(tag) than counted")
                let count = generations.entriesOfTag[tag]
                DedupeIdOrder.sort(bytes.baseAddress! + (end[tag] - count * 16), count: count)
            }
        }
    }

    /// Closes the open segments (at a snapshot): later ids go to new ones.
    mutating func seal() { generations.seal() }

    /// Sets the forgetting point of an empty memory (restoring a snapshot).
    mutating func setFirstLiveBucket(_ bucket: Int64) {
        precondition(storedCount == 0, "the forgetting point of a memory in use moves with forget(before:)")
        firstLiveBucket = bucket
    }
}
