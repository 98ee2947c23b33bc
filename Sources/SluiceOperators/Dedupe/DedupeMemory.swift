import SluiceCore

/// The ids de-duplication remembers: one open-addressing table from 128-bit fingerprints
/// to the event-time bucket of the event that made the id known.
///
/// A bucket is forgotten as a whole once the watermark says so (`firstLiveBucket` moves
/// past it): its entries count as absent from then on. Entries are never removed one by
/// one; the table is rebuilt from the live entries once forgotten entries outnumber them,
/// so a lookup is one probe and memory stays within about twice the live ids.
struct DedupeMemory: Sendable {
    private(set) var table = KeyTable(width: 2)
    private var slotBuckets: [Int64] = []
    /// Live entries per bucket, sorted by bucket.
    private var countedBuckets: [Int64] = []
    private var bucketCounts: [Int] = []
    /// Entries whose bucket is at or after this one are live.
    private(set) var firstLiveBucket: Int64 = .min
    private(set) var liveCount = 0

    /// Entries held, live or forgotten.
    var storedCount: Int { table.count }

    /// True when the id is live (a duplicate); otherwise remembers it under `bucket`.
    @inline(__always)
    mutating func checkAndRemember(_ h1: UInt64, _ h2: UInt64, bucket: Int64) -> Bool {
        let (slot, inserted) = table.findOrInsert(h1, h2)
        if inserted {
            slotBuckets.append(bucket)
        } else {
            if slotBuckets[Int(slot)] >= firstLiveBucket { return true }
            slotBuckets[Int(slot)] = bucket
        }
        if bucket >= firstLiveBucket { count(bucket) }
        return false
    }

    private mutating func count(_ bucket: Int64) {
        if let last = countedBuckets.last, last == bucket {
            bucketCounts[bucketCounts.count - 1] += 1
        } else {
            var low = 0
            var high = countedBuckets.count
            while low < high {
                let mid = (low + high) / 2
                if countedBuckets[mid] < bucket { low = mid + 1 } else { high = mid }
            }
            if low < countedBuckets.count, countedBuckets[low] == bucket {
                bucketCounts[low] += 1
            } else {
                countedBuckets.insert(bucket, at: low)
                bucketCounts.insert(1, at: low)
            }
        }
        liveCount += 1
    }

    /// Forgets every bucket before `bucket`.
    mutating func forget(before bucket: Int64) {
        guard bucket > firstLiveBucket else { return }
        firstLiveBucket = bucket
        var expired = 0
        while expired < countedBuckets.count, countedBuckets[expired] < bucket {
            liveCount -= bucketCounts[expired]
            expired += 1
        }
        countedBuckets.removeFirst(expired)
        bucketCounts.removeFirst(expired)
        let forgotten = table.count - liveCount
        if forgotten > 0, liveCount == 0 || forgotten >= max(liveCount, 64) { rebuild(entries: liveEntries()) }
    }

    /// The live entries (fingerprint words and bucket), sorted by fingerprint.
    func liveEntries() -> [(h1: UInt64, h2: UInt64, bucket: Int64)] {
        let keys = table.keys
        var entries: [(h1: UInt64, h2: UInt64, bucket: Int64)] = []
        entries.reserveCapacity(liveCount)
        for slot in 0..<table.count where slotBuckets[slot] >= firstLiveBucket {
            entries.append((keys[2 * slot], keys[2 * slot + 1], slotBuckets[slot]))
        }
        entries.sort { ($0.h1, $0.h2) < ($1.h1, $1.h2) }
        return entries
    }

    /// Replaces the contents by `entries` (which must be live at `firstLiveBucket`).
    mutating func rebuild(entries: [(h1: UInt64, h2: UInt64, bucket: Int64)]) {
        table = KeyTable(width: 2, capacity: entries.count)
        slotBuckets = []
        countedBuckets = []
        bucketCounts = []
        liveCount = 0
        for entry in entries {
            _ = checkAndRemember(entry.h1, entry.h2, bucket: entry.bucket)
        }
    }

    /// Sets the forgetting point without touching entries (restoring a snapshot).
    mutating func setFirstLiveBucket(_ bucket: Int64) { firstLiveBucket = bucket }
}
