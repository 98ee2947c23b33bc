@testable import SluiceOperators
import SluiceCore
import Testing

@Suite("De-duplication memory")
struct DedupeMemoryTests {
    /// The semantics `DedupeMemory` must keep, written the obvious way.
    struct Model {
        var bucketOf: [DedupeKey: Int64] = [:]
        var firstLive = Int64.min

        mutating func checkAndRemember(_ key: DedupeKey, bucket: Int64) -> Bool {
            if let seen = bucketOf[key], seen >= firstLive { return true }
            if bucket >= firstLive { bucketOf[key] = bucket }
            return false
        }

        mutating func forget(before bucket: Int64) {
            guard bucket > firstLive else { return }
            firstLive = bucket
            bucketOf = bucketOf.filter { $0.value >= bucket }
        }

        var liveCount: Int { bucketOf.count }
    }

    /// One in `repeatOneIn` ids repeats one of the last `amongLast` published (once there
    /// are any); the others are new, published, with word 1's tag bits clear, as the
    /// memory keeps it.
    static func nextKey(
        _ published: inout [DedupeKey], repeatOneIn: Int, amongLast: Int, _ rng: inout JoinTestRandom
    ) -> DedupeKey {
        if !published.isEmpty, Int.random(in: 0..<repeatOneIn, using: &rng) == 0 {
            return published[Int.random(in: max(0, published.count - amongLast)..<published.count, using: &rng)]
        }
        let key = DedupeKey(w0: UInt64.random(in: 0...UInt64.max, using: &rng),
                            w1: UInt64.random(in: 0...UInt64.max, using: &rng) & ~0xFFFF)
        published.append(key)
        return key
    }

    /// Random ids (some repeated), buckets spread ahead of a moving forgetting point, and
    /// few tags, so that growth, purges, shrinking and the overflow all happen.
    @Test("matches the model through growth, purges, shrinking and tag exhaustion", arguments: [
        (seed: UInt64(1), maxTags: 3), (seed: 2, maxTags: 8), (seed: 3, maxTags: 65_535),
    ])
    func randomizedAgainstModel(seed: UInt64, maxTags: Int) {
        var rng = JoinTestRandom(seed: seed)
        var memory = DedupeMemory(maxTags: maxTags)
        var model = Model()
        var published: [DedupeKey] = []
        var firstLive: Int64 = 0
        var duplicates = 0
        var overflowed = 0
        for step in 0..<400 {
            // Bursts of new ids, then quiet steps, so the table grows and shrinks.
            let burst = step % 100 < 50 ? Int.random(in: 100...400, using: &rng) : Int.random(in: 0...20, using: &rng)
            var w0: [UInt64] = []
            var w1: [UInt64] = []
            var buckets: [Int64] = []
            for _ in 0..<burst {
                let key = Self.nextKey(&published, repeatOneIn: 4, amongLast: 3000, &rng)
                w0.append(key.w0)
                w1.append(key.w1)
                // Mostly near the forgetting point, some behind it, some far ahead.
                let spread: Int64 = Int.random(in: 0..<50, using: &rng) == 0 ? 40 : 6
                buckets.append(firstLive + Int64.random(in: -1...spread, using: &rng))
            }
            let got = memory.checkAndRemember(w0, w1, buckets: buckets, passes: [Bool](repeating: false, count: w0.count))
            for j in 0..<w0.count {
                let expected = model.checkAndRemember(DedupeKey(w0: w0[j], w1: w1[j]), bucket: buckets[j])
                #expect(got[j] == expected, "step \(step), row \(j)")
                if expected { duplicates += 1 }
            }
            if Bool.random(using: &rng) {
                firstLive += Int64.random(in: 0...2, using: &rng)
                memory.forget(before: firstLive)
                model.forget(before: firstLive)
            }
            #expect(memory.liveCount == model.liveCount, "step \(step)")
            overflowed = max(overflowed, memory.overflowCount)
            #expect(memory.storedCount * 4 <= memory.liveCount * 5 + 64, "forgotten ids are purged (step \(step))")
        }
        #expect(duplicates > 1000)
        #expect(maxTags > 8 || overflowed > 0, "with few tags, some ids live in the overflow")
        memory.forget(before: .max)
        #expect(memory.liveCount == 0)
        #expect(memory.storedCount == 0)
    }

    /// A batch may forget more than the memory has (`liveFrom`: its rows' own watermark is
    /// ahead of the operator's). Ids of the buckets between count as absent for it and are
    /// remembered anew under their new bucket; the counts and a snapshot's segments stay
    /// exactly the model's.
    @Test("a batch that forgets ahead of the memory matches the model, counts and snapshot", arguments: [
        (seed: UInt64(11), maxTags: 65_535), (seed: 12, maxTags: 65_535),
    ])
    func forgettingAheadForOneBatch(seed: UInt64, maxTags: Int) throws {
        var rng = JoinTestRandom(seed: seed)
        var memory = DedupeMemory(maxTags: maxTags)
        var model = Model()
        var published: [DedupeKey] = []
        var firstLive: Int64 = 0
        var rememberedAnew = 0
        for step in 0..<300 {
            let liveFrom = firstLive + Int64.random(in: 0...2, using: &rng)
            var probes: [DedupeProbe] = []
            for _ in 0..<Int.random(in: 0...200, using: &rng) {
                let key = Self.nextKey(&published, repeatOneIn: 3, amongLast: 2000, &rng)
                probes.append(DedupeProbe(w0: key.w0, w1: key.w1, bucket: firstLive + Int64.random(in: -1...5, using: &rng), passes: false))
            }
            let got = memory.checkAndRemember(probes, liveFrom: liveFrom)
            for (j, probe) in probes.enumerated() {
                let key = DedupeKey(w0: probe.w0, w1: probe.w1)
                // The model, forgetting from `liveFrom` for this batch only.
                let seen = model.bucketOf[key]
                let expected = seen.map { $0 >= liveFrom } ?? false
                if !expected, probe.bucket >= liveFrom {
                    if let seen, seen >= firstLive { rememberedAnew += 1 }
                    model.bucketOf[key] = probe.bucket
                }
                #expect(got[j] == expected, "step \(step), row \(j)")
            }
            if Bool.random(using: &rng) {
                firstLive += Int64.random(in: 0...2, using: &rng)
                memory.forget(before: firstLive)
                model.forget(before: firstLive)
            }
            // Snapshots close segments: later moves take ids out of sealed ones.
            if Int.random(in: 0..<5, using: &rng) == 0 { memory.seal() }
            #expect(memory.liveCount == model.liveCount, "step \(step)")
            if step % 25 == 24 {
                // Every live id once, under its bucket: what a snapshot lists.
                var writer = SnapshotWriter()
                memory.writeSegments(into: &writer)
                var reader = SnapshotReader(writer.bytes)
                var listed: [DedupeKey: Int64] = [:]
                for _ in 0..<(try reader.readInt()) {
                    let bucket = try reader.readInt64()
                    for _ in 0..<(try reader.readInt()) {
                        let key = DedupeKey(w0: try reader.readUInt64(), w1: try reader.readUInt64())
                        #expect(listed.updateValue(bucket, forKey: key) == nil, "an id listed twice")
                    }
                }
                #expect(listed == model.bucketOf, "step \(step)")
            }
        }
        #expect(rememberedAnew > 50, "ids found under a bucket the batch forgot")
    }

    /// The same when every tag is taken: an id kept outside the table moves to the batch's
    /// bucket; one in the table under a bucket the batch forgot stays there (no tag is free
    /// for it to move to) and is forgotten with that bucket.
    @Test("with every tag taken, an id forgotten for one batch is remembered anew or kept")
    func forgettingAheadWithoutFreeTags() {
        var memory = DedupeMemory(maxTags: 1)
        let a = DedupeKey(w0: 0x1111, w1: 0x2222_0000)
        let b = DedupeKey(w0: 0x3333, w1: 0x4444_0000)
        let probe = { (key: DedupeKey, bucket: Int64) in DedupeProbe(w0: key.w0, w1: key.w1, bucket: bucket, passes: false) }
        // a takes the only tag (bucket 0); b goes outside the table (bucket 1).
        #expect(memory.checkAndRemember([probe(a, 0), probe(b, 1)]) == [false, false])
        #expect(memory.overflowCount == 1)
        // Forgetting before 1 for this batch only: a is absent for it, b is not.
        #expect(memory.checkAndRemember([probe(a, 2), probe(b, 2)], liveFrom: 1) == [false, true])
        // Before 2: b is absent too and moves to bucket 2.
        #expect(memory.checkAndRemember([probe(b, 2)], liveFrom: 2) == [false])
        #expect(memory.liveCount == 2)
        // A snapshot lists each once, under the bucket it is kept under.
        var writer = SnapshotWriter()
        memory.writeSegments(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        var listed: [DedupeKey: Int64] = [:]
        for _ in 0..<((try? reader.readInt()) ?? 0) {
            let bucket = (try? reader.readInt64()) ?? -1
            for _ in 0..<((try? reader.readInt()) ?? 0) {
                let key = DedupeKey(w0: (try? reader.readUInt64()) ?? 0, w1: (try? reader.readUInt64()) ?? 0)
                listed[key] = bucket
            }
        }
        #expect(listed == [a: 0, b: 2])
        // The memory forgets bucket 0 and 1: a (kept under 0) goes, b (now under 2) stays.
        memory.forget(before: 2)
        #expect(memory.liveCount == 1)
        #expect(memory.checkAndRemember([probe(a, 2), probe(b, 2)]) == [false, true])
    }

    @Test("a remembered id costs at most 32 bytes, with no forgetting and while ids come and go")
    func bytesPerId() {
        var memory = DedupeMemory()
        var rng = JoinTestRandom(seed: 9)
        var worst = 0.0
        // 400,000 ids: the larger segments are page-mapped (`SegmentMemory`).
        for round in 0..<80 {
            let keys = (0..<5000).map { _ in (UInt64.random(in: 0...UInt64.max, using: &rng), UInt64.random(in: 0...UInt64.max, using: &rng)) }
            _ = memory.checkAndRemember(keys.map(\.0), keys.map(\.1), buckets: [Int64](repeating: Int64(round), count: keys.count),
                                        passes: [Bool](repeating: false, count: keys.count))
            worst = max(worst, Double(memory.memoryBytes) / Double(memory.liveCount))
        }
        #expect(memory.liveCount == 400_000)
        #expect(worst <= 32, "\(worst) bytes per id while growing")
        // A sliding horizon of 4 buckets: memory follows the live ids.
        var steady = 0.0
        for round in 80..<120 {
            memory.forget(before: Int64(round - 3))
            let keys = (0..<5000).map { _ in (UInt64.random(in: 0...UInt64.max, using: &rng), UInt64.random(in: 0...UInt64.max, using: &rng)) }
            _ = memory.checkAndRemember(keys.map(\.0), keys.map(\.1), buckets: [Int64](repeating: Int64(round), count: keys.count),
                                        passes: [Bool](repeating: false, count: keys.count))
            if round > 90 { steady = max(steady, Double(memory.memoryBytes) / Double(memory.liveCount)) }
        }
        #expect(memory.liveCount == 20_000)
        #expect(steady <= 40, "\(steady) bytes per live id with forgotten ids awaiting a purge")
        memory.forget(before: .max)
        #expect(memory.memoryBytes <= 64 * 4 * 64 + 4096, "an empty memory shrinks back to its smallest segments")
    }

    @Test("making room at once keeps every live id and leaves forgotten ones out")
    func reserveKeepsLiveIds() {
        var memory = DedupeMemory()
        var rng = JoinTestRandom(seed: 5)
        let keys = (0..<30_000).map { _ in
            (UInt64.random(in: 0...UInt64.max, using: &rng), UInt64.random(in: 0...UInt64.max, using: &rng) & ~0xFFFF)
        }
        // 5,000 ids in bucket 0, 25,000 in bucket 1.
        for (i, key) in keys.enumerated() { _ = memory.checkAndRemember(key.0, key.1, bucket: i < 5_000 ? 0 : 1) }
        // Bucket 0 forgotten: under a quarter of the live ids, so not purged yet.
        memory.forget(before: 1)
        #expect(memory.storedCount == 30_000, "forgotten ids still stored")
        memory.reserve(forEntries: 1_000_000)
        #expect(memory.memoryBytes >= 1_000_000 * 16)
        #expect(memory.storedCount == 25_000, "the rebuild left the forgotten ids out")
        #expect(memory.liveCount == 25_000)
        for (i, key) in keys.enumerated() {
            #expect(memory.isRemembered(key.0, key.1) == (i >= 5_000), "id \(i)")
        }
        let bytes = memory.memoryBytes
        memory.reserve(forEntries: 500_000)
        #expect(memory.memoryBytes == bytes, "room already there: nothing rebuilt")
        // The counts of forgotten entries stayed right: forgetting the rest empties the memory.
        memory.forget(before: 2)
        #expect(memory.liveCount == 0)
        #expect(memory.storedCount == 0)
    }

    /// A million ids: segments pass the size from which they are mapped, so on Linux they
    /// grow in place (remapped, refilled from the scratch copy). The first 20,000 ids are
    /// in a bucket forgotten once 300,000 are in: few enough that the memory grows rather
    /// than purges, so later growths must leave them out.
    @Test("segments grown in place keep every live id and leave forgotten ones out")
    func growthInPlace() throws {
        var memory = DedupeMemory()
        var random = JoinTestRandom(seed: 42)
        let total = 1_000_000
        let forgotten = 20_000
        var keys: [DedupeKey] = []
        keys.reserveCapacity(total)
        var duplicates = 0
        for start in stride(from: 0, to: total, by: 4096) {
            let count = min(4096, total - start)
            var w0: [UInt64] = [], w1: [UInt64] = [], buckets: [Int64] = []
            for i in start..<(start + count) {
                let key = DedupeKey(w0: random.next(), w1: random.next() & ~0xFFFF)
                keys.append(key)
                w0.append(key.w0)
                w1.append(key.w1)
                buckets.append(i < forgotten ? 0 : 1 + Int64(i / 250_000))
            }
            // Every 64th row repeats an earlier id of a live bucket.
            for j in stride(from: 63, to: count, by: 64) where start + j > 300_000 {
                let earlier = keys[start + j - 1 - (start + j) % 40_000]
                keys[start + j] = earlier
                w0[j] = earlier.w0
                w1[j] = earlier.w1
            }
            let got = memory.checkAndRemember(w0, w1, buckets: buckets, passes: [Bool](repeating: false, count: count))
            for j in 0..<count {
                let repeated = j % 64 == 63 && start + j > 300_000
                #expect(got[j] == repeated, "row \(start + j)")
                if got[j] { duplicates += 1 }
            }
            if start + count >= 300_000 && memory.firstLiveBucket < 1 {
                memory.forget(before: 1)
                #expect(memory.storedCount > memory.liveCount, "the forgotten ids wait in the table")
            }
        }
        #if os(Linux)
        #expect(memory.growthsInPlace > 64, "segments grew in place")
        #endif
        #expect(memory.storedCount == memory.liveCount, "growths left the forgotten ids out")
        #expect(memory.liveCount == total - forgotten - duplicates)
        // What a snapshot would write: each live id once, none left behind by a move.
        let entries = try DedupeSnapshotOrderTests.segments(of: memory).flatMap(\.keys)
        #expect(entries.count == memory.liveCount)
        #expect(Set(entries).count == entries.count)
        // Ids of the forgotten bucket pass; every other id is known.
        let w0 = keys.map(\.w0), w1 = keys.map(\.w1)
        let again = memory.checkAndRemember(w0, w1, buckets: [Int64](repeating: 5, count: total),
                                            passes: [Bool](repeating: false, count: total))
        #expect(again[..<forgotten].allSatisfy { !$0 }, "forgotten ids pass")
        #expect(again[forgotten...].allSatisfy { $0 }, "live ids are known")
    }

    @Test("integer ids are kept whole: ids that differ only in their low bits stay apart")
    func integerIdsExact() {
        var memory = DedupeMemory()
        let ids = (0..<70_000).map { UInt64($0) } + [UInt64.max, 1 << 63]
        let first = memory.checkAndRemember(ids, [UInt64](repeating: 0, count: ids.count),
                                            buckets: [Int64](repeating: 1, count: ids.count), passes: [Bool](repeating: false, count: ids.count))
        #expect(!first.contains(true))
        let again = memory.checkAndRemember(ids, [UInt64](repeating: 0, count: ids.count),
                                            buckets: [Int64](repeating: 1, count: ids.count), passes: [Bool](repeating: false, count: ids.count))
        #expect(!again.contains(false))
    }

    @Test("a version 1 snapshot (24 bytes per id) restores, and its ids stay known")
    func restoresVersionOne() throws {
        let schema = DedupeTests.schema
        var writer = SnapshotWriter()
        writer.beginSection("dedupe", version: 1)
        writer.write(Int64(1000))  // horizon
        writer.write(Int64(10_000))  // watermark
        let ids = ["e-1", "e-2"]
        writer.write(ids.count)
        for id in ids {
            writer.write(StableHash.hash(id))
            writer.write(DedupeFingerprint.secondary(id))
            writer.write(Int64(9000 / 250))
        }
        let dedupe = DedupeOperator(schema: schema, idField: "id", timeField: "ts", horizonMillis: 1000)
        var reader = SnapshotReader(writer.bytes)
        try dedupe.restore(from: &reader)
        #expect(dedupe.rememberedIds == 2)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("e-1", 9500, 1), ("e-3", 9500, 2), ("e-2", 9600, 3)]), input: 0, into: &out)
        #expect(DedupeTests.ports(out).duplicates == [1, 3])
    }

    @Test("a snapshot takes 16 bytes per remembered id, plus 16 per bucket")
    func snapshotSize() {
        let dedupe = DedupeTests.make(horizon: 1000)
        var out = OperatorOutput()
        let rows = (0..<10_000).map { i in (id: Optional("evt-\(i)"), ts: Optional(Int64(i % 1000)), n: Int64(i)) }
        dedupe.process(DedupeTests.batch(rows), input: 0, into: &out)
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        let buckets = 4  // 1000 ms of event time in 250 ms buckets
        #expect(writer.bytes.count <= 10_000 * 16 + buckets * 16 + 64)
        #expect(writer.bytes.count >= 10_000 * 16)
    }
}
