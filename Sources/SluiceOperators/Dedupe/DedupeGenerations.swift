/// Which event-time bucket each tag of `FingerprintTable` stands for, and how many
/// entries carry it.
///
/// A bucket gets a tag when its first id is remembered. When the watermark forgets the
/// bucket, its tag turns *dead*: entries that carry it count as absent at once, and the
/// tag returns to the free list only when a purge has removed them from the table. So
/// forgetting a bucket is one step however many ids it held.
///
/// A bucket may have several tags, one per *segment*: `seal()` (at each snapshot) closes
/// the open tag of every bucket, so ids remembered later get a new tag. A snapshot written
/// segment by segment then repeats the previous snapshot's bytes for every segment except
/// the new ones (and the rare one an id moved out of: `moved(from:)`), which is what lets
/// a checkpoint store write only what changed.
///
/// Normally a few hundred tags are live (the horizon is four buckets, plus events ahead
/// of the watermark, times the snapshots taken while they are open); the 65,535 tags run
/// out only when input spreads over that many distinct future buckets, and `tag(for:)`
/// then answers 0 (the caller keeps such ids elsewhere).
struct DedupeGenerations {
    /// The most tags in use at once (live or awaiting a purge).
    let maxTags: Int
    /// Per tag (index 0 unused): its bucket, its entries in the table, whether it is dead.
    private(set) var bucketOfTag: [Int64] = [0]
    private(set) var entriesOfTag: [Int] = [0]
    private(set) var isDead: [Bool] = [false]
    /// Per tag: closed by `seal()`; new ids of its bucket take a new tag.
    private var isSealed: [Bool] = [false]
    private var freeTags: [UInt16] = []
    /// Live segments: their buckets in ascending order (a bucket's segments in the order
    /// they were opened, the open one last), and their tags.
    private(set) var liveBuckets: [Int64] = []
    private(set) var liveTags: [UInt16] = []
    /// Dead tags whose entries are still in the table.
    private(set) var deadTags: [UInt16] = []
    private(set) var liveEntries = 0
    private(set) var deadEntries = 0
    private var cachedBucket: Int64 = 0
    private var cachedTag: UInt16 = 0

    init(maxTags: Int = Int(FingerprintTable.tagMask)) {
        precondition(maxTags >= 1 && maxTags <= Int(FingerprintTable.tagMask))
        self.maxTags = maxTags
    }

    /// The tag of `bucket`'s open segment, a new one if it has none; 0 when every tag is taken.
    @inline(__always)
    mutating func tag(for bucket: Int64) -> UInt16 {
        if cachedTag != 0 && cachedBucket == bucket { return cachedTag }
        return lookUpTag(for: bucket)
    }

    private mutating func lookUpTag(for bucket: Int64) -> UInt16 {
        // After the bucket's last segment (its open one, if any).
        var low = 0
        var high = liveBuckets.count
        while low < high {
            let mid = (low + high) / 2
            if liveBuckets[mid] <= bucket { low = mid + 1 } else { high = mid }
        }
        let tag: UInt16
        if low > 0, liveBuckets[low - 1] == bucket, !isSealed[Int(liveTags[low - 1])] {
            tag = liveTags[low - 1]
        } else {
            if let free = freeTags.popLast() {
                tag = free
            } else if bucketOfTag.count <= maxTags {
                tag = UInt16(bucketOfTag.count)
                bucketOfTag.append(0)
                entriesOfTag.append(0)
                isDead.append(false)
                isSealed.append(false)
            } else {
                return 0
            }
            bucketOfTag[Int(tag)] = bucket
            entriesOfTag[Int(tag)] = 0
            isDead[Int(tag)] = false
            isSealed[Int(tag)] = false
            liveBuckets.insert(bucket, at: low)
            liveTags.insert(tag, at: low)
        }
        cachedBucket = bucket
        cachedTag = tag
        return tag
    }

    /// Closes every open segment: ids remembered from now on go to new ones.
    mutating func seal() {
        for tag in liveTags { isSealed[Int(tag)] = true }
        cachedTag = 0
    }

    /// One more entry carries the live `tag`.
    @inline(__always)
    mutating func added(_ tag: UInt16) {
        entriesOfTag[Int(tag)] &+= 1
        liveEntries &+= 1
    }

    /// An entry of `tag` moved to another live tag (its id came again after `tag` was
    /// forgotten, or after it was forgotten for that row: `DedupeMemory.checkAndRemember`).
    mutating func moved(from tag: UInt16) {
        entriesOfTag[Int(tag)] -= 1
        if isDead[Int(tag)] { deadEntries -= 1 } else { liveEntries -= 1 }
    }

    /// Kills the tags of every bucket before `bucket`.
    mutating func forget(before bucket: Int64) {
        var expired = 0
        while expired < liveBuckets.count, liveBuckets[expired] < bucket {
            let tag = liveTags[expired]
            isDead[Int(tag)] = true
            deadTags.append(tag)
            liveEntries -= entriesOfTag[Int(tag)]
            deadEntries += entriesOfTag[Int(tag)]
            expired += 1
        }
        guard expired > 0 else { return }
        liveBuckets.removeFirst(expired)
        liveTags.removeFirst(expired)
        cachedTag = 0
    }

    /// A segment's growth left out `count` entries of dead tags.
    mutating func dropped(_ count: Int) { deadEntries -= count }

    /// The table no longer holds entries of dead tags: they become free.
    mutating func purged() {
        for tag in deadTags {
            entriesOfTag[Int(tag)] = 0
            isDead[Int(tag)] = false
            freeTags.append(tag)
        }
        deadTags.removeAll()
        deadEntries = 0
    }

    /// Whether entries of `tag` are remembered.
    @inline(__always)
    func isLive(_ tag: UInt64) -> Bool { !isDead[Int(tag)] }

    /// The live bucket of `tag`.
    func bucket(of tag: UInt64) -> Int64 { bucketOfTag[Int(tag)] }
}
