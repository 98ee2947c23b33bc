@testable import SluiceOperators
import SluiceCore
import Testing

@Suite("De-duplication snapshot order")
struct DedupeSnapshotOrderTests {
    /// What `writeSegments` wrote, read back: per segment its bucket and ids, in order.
    static func segments(of memory: borrowing DedupeMemory) throws -> [(bucket: Int64, keys: [DedupeKey])] {
        var writer = SnapshotWriter()
        memory.writeSegments(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        let count = try reader.readInt()
        let segments = try (0..<count).map { _ in
            let bucket = try reader.readInt64()
            let ids = try reader.readInt()
            return (bucket, try (0..<ids).map { _ in DedupeKey(w0: try reader.readUInt64(), w1: try reader.readUInt64()) })
        }
        #expect(reader.isAtEnd)
        return segments
    }

    static func bytes(of memory: borrowing DedupeMemory) -> [UInt8] {
        var writer = SnapshotWriter()
        memory.writeSegments(into: &writer)
        return writer.bytes
    }

    static func isInOrder(_ keys: [DedupeKey]) -> Bool {
        zip(keys, keys.dropFirst()).allSatisfy { a, b in
            let (x, y) = (FingerprintTable.snapshotOrder(a.w0), FingerprintTable.snapshotOrder(b.w0))
            return x < y || (x == y && a.w1 < b.w1)
        }
    }

    /// 150,000 ids over three buckets, with a seal between two rounds: enough that lines
    /// crowd and probes wrap past segments' ends.
    static func ids(seed: UInt64) -> [(key: DedupeKey, bucket: Int64)] {
        var rng = JoinTestRandom(seed: seed)
        return (0..<150_000).map { i in
            (DedupeKey(w0: UInt64.random(in: 0...UInt64.max, using: &rng), w1: UInt64(i % 7) << 16), Int64(i % 3))
        }
    }

    static func remember(_ ids: some Collection<(key: DedupeKey, bucket: Int64)>, in memory: inout DedupeMemory) {
        for id in ids { _ = memory.checkAndRemember(id.key.w0, id.key.w1, bucket: id.bucket) }
    }

    @Test("equal ids give equal bytes whatever the table's size, the arrival order and the purges before")
    func equalIdsEqualBytes() throws {
        let ids = Self.ids(seed: 7)
        let half = ids.count / 2
        // Grown from empty, in arrival order.
        var grown = DedupeMemory()
        Self.remember(ids[..<half], in: &grown)
        grown.seal()
        Self.remember(ids[half...], in: &grown)
        // Sized for far more up front, each round in reverse.
        var sized = DedupeMemory(expectedEntries: 1_000_000)
        Self.remember(ids[..<half].reversed(), in: &sized)
        sized.seal()
        Self.remember(ids[half...].reversed(), in: &sized)
        // Other ids in bucket -1 first, forgotten and purged, then the same ids shuffled.
        var purged = DedupeMemory()
        var rng = JoinTestRandom(seed: 8)
        Self.remember(Self.ids(seed: 9).map { ($0.key, Int64(-1)) }, in: &purged)
        purged.forget(before: 0)
        Self.remember(ids[..<half].shuffled(using: &rng), in: &purged)
        purged.seal()
        Self.remember(ids[half...].shuffled(using: &rng), in: &purged)
        #expect(purged.storedCount == purged.liveCount, "the forgotten ids were purged")

        // (Compared first: a failed comparison of the bytes themselves would print them all.)
        let expected = Self.bytes(of: grown)
        let sizedSame = Self.bytes(of: sized) == expected
        let purgedSame = Self.bytes(of: purged) == expected
        #expect(sizedSame, "a table sized up front, ids in reverse")
        #expect(purgedSame, "a table that purged other ids before, ids shuffled")
        // Six segments (three buckets, sealed once), each with exactly its ids, in order.
        let segments = try Self.segments(of: grown)
        #expect(segments.map(\.bucket) == [0, 0, 1, 1, 2, 2])
        for (index, segment) in segments.enumerated() {
            let round = index % 2 == 0 ? ids[..<half] : ids[half...]
            let mine = round.filter { $0.bucket == segment.bucket }.map(\.key)
            let same = Set(segment.keys) == Set(mine) && segment.keys.count == mine.count
            #expect(same, "segment \(index) holds its ids")
            let ordered = Self.isInOrder(segment.keys)
            #expect(ordered, "segment \(index) in order")
        }
    }

    @Test("ids kept outside the table come after their bucket's segments, in the same order")
    func overflowAfterItsBucket() throws {
        var memory = DedupeMemory(maxTags: 2)
        let ids = Self.ids(seed: 11)
        // Two tags: buckets 0 and 1 take them, bucket 2's ids go to the overflow.
        Self.remember(ids, in: &memory)
        #expect(memory.overflowCount == ids.count / 3)
        let segments = try Self.segments(of: memory)
        #expect(segments.map(\.bucket) == [0, 1, 2])
        let overflowSame = Set(segments[2].keys) == Set(ids.filter { $0.bucket == 2 }.map(\.key))
        #expect(overflowSame)
        let ordered = segments.allSatisfy { Self.isInOrder($0.keys) }
        #expect(ordered)
    }

    @Test("the sort puts ids far out of place in order too (past its budget of moves)")
    func sortsAnyInput() {
        var rng = JoinTestRandom(seed: 5)
        for count in [0, 1, 2, 3, 100, 20_000] {
            let keys = (0..<count).map { _ in
                DedupeKey(w0: UInt64.random(in: 0...3, using: &rng) * 0x9E37_79B9, w1: UInt64.random(in: 0...UInt64.max, using: &rng))
            }
            var bytes = [UInt8](repeating: 0, count: count * 16 + 3)
            bytes.withUnsafeMutableBytes { raw in
                // At an odd offset: the writer's room has any alignment.
                for (i, key) in keys.enumerated() {
                    raw.storeBytes(of: key.w0.littleEndian, toByteOffset: 3 + 16 * i, as: UInt64.self)
                    raw.storeBytes(of: key.w1.littleEndian, toByteOffset: 3 + 16 * i + 8, as: UInt64.self)
                }
                DedupeIdOrder.sort(raw.baseAddress! + 3, count: count)
            }
            var reader = SnapshotReader(Array(bytes[3...]))
            let sorted = (0..<count).map { _ in DedupeKey(w0: try! reader.readUInt64(), w1: try! reader.readUInt64()) }
            let same = sorted == DedupeIdOrder.sorted(keys)
            #expect(same, "\(count) ids")
            let ordered = Self.isInOrder(sorted)
            #expect(ordered, "\(count) ids")
        }
    }
}
