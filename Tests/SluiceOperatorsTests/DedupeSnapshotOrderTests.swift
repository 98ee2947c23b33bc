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
        // The first round shuffled among 50,000 other ids of bucket -1, which are then
        // forgotten: the purge moves the survivors in place (too many to shrink the table).
        var purged = DedupeMemory()
        var rng = JoinTestRandom(seed: 8)
        let others = Self.ids(seed: 9)[..<50_000].map { ($0.key, Int64(-1)) }
        Self.remember((Array(ids[..<half]) + others).shuffled(using: &rng), in: &purged)
        purged.forget(before: 0)
        #expect(purged.storedCount == half, "the forgotten ids were purged, the others kept")
        purged.seal()
        Self.remember(ids[half...].shuffled(using: &rng), in: &purged)

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

    @Test("ids kept outside the table come after their bucket's segments, before later buckets'")
    func overflowAfterItsBucket() throws {
        // Three tags: buckets 0 and 5 take two, bucket 0's second segment the third.
        var memory = DedupeMemory(maxTags: 3)
        let ids = Self.ids(seed: 11).map(\.key)
        let first = ids[0..<1000].map { ($0, Int64(0)) } + ids[1000..<2000].map { ($0, Int64(5)) }
        Self.remember(first, in: &memory)
        memory.seal()
        Self.remember(ids[2000..<3000].map { ($0, Int64(0)) }, in: &memory)
        memory.seal()
        // No tag is left: these go to the overflow.
        let outside = ids[3000..<4000].map { ($0, Int64(0)) } + ids[4000..<5000].map { ($0, Int64(3)) }
        Self.remember(outside, in: &memory)
        #expect(memory.overflowCount == 2000)
        let segments = try Self.segments(of: memory)
        #expect(segments.map(\.bucket) == [0, 0, 0, 3, 5])
        let expected = [ids[0..<1000], ids[2000..<3000], ids[3000..<4000], ids[4000..<5000], ids[1000..<2000]]
        let same = zip(segments, expected).allSatisfy { Set($0.keys) == Set($1) && $0.keys.count == $1.count }
        #expect(same, "each segment holds its ids")
        let ordered = segments.allSatisfy { Self.isInOrder($0.keys) }
        #expect(ordered)
    }

    @Test("a pass over the table comes nearly in order: the sort moves each id less than once, never falls back",
          arguments: [0, 400_000])
    func tablePassIsNearlyInOrder(expectedEntries: Int) {
        var table = FingerprintTable(forEntries: expectedEntries)
        let ids = Self.ids(seed: 13).map(\.key)
        for id in ids {
            let (segment, slot, tag) = table.find(id.w0, id.w1)
            if tag == 0, table.insert(segment: segment, slot: slot, id.w0, id.w1, tag: 1) {
                _ = table.grow(segment: segment, dead: [false, false])
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 16)
        table.forEach { w0, key, _ in
            withUnsafeBytes(of: w0.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: key.littleEndian) { bytes += $0 }
        }
        #expect(bytes.count == ids.count * 16)
        let moves = bytes.withUnsafeMutableBytes { DedupeIdOrder.sort($0.baseAddress!, count: ids.count) }
        #expect(moves != nil && moves! < ids.count, "\(moves.map(String.init) ?? "fell back") moves for \(ids.count) ids")
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
