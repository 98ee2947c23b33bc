import SluiceCore
import Testing

/// Column writes are a faster path to exactly the bytes the per-value writes give, so
/// snapshots taken before and after them are interchangeable; column reads undo them.
@Suite struct SnapshotColumnTests {
    private struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func columnWritesEqualPerValueWrites(seed: UInt64) throws {
        var rng = Rng(state: seed)
        let n = Int(rng.next() % 3_000)
        let ints = (0..<n).map { _ in Int64(bitPattern: rng.next()) }
        let doubles = (0..<n).map { _ in Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) - 1e300 }
        // A table's slots in order (the prefix path), a shorter prefix, and a scattered order
        // (sessions write slots in start order) with repeats.
        let prefix = (0..<n).map { Int32($0) }
        let shorter = Array(prefix.prefix(n / 2))
        let scattered = n == 0 ? [] : (0..<n).map { _ in Int32(rng.next() % UInt64(n)) }
        for slots in [prefix, shorter, scattered] {
            var fast = SnapshotWriter()
            var slow = SnapshotWriter()
            fast.write("lead")
            slow.write("lead")
            fast.writeColumn(ints, slots: slots)
            fast.writeColumn(doubles, slots: slots)
            for s in slots { slow.write(ints[Int(s)]) }
            for s in slots { slow.write(doubles[Int(s)]) }
            #expect(fast.bytes == slow.bytes)

            var reader = SnapshotReader(fast.bytes)
            #expect(try reader.readString() == "lead")
            #expect(try reader.readInt64Column(count: slots.count) == slots.map { ints[Int($0)] })
            let back = try reader.readDoubleColumn(count: slots.count)
            #expect(back.map(\.bitPattern) == slots.map { doubles[Int($0)].bitPattern })
            #expect(reader.isAtEnd)
        }
        var arrays = SnapshotWriter()
        arrays.write(ints)
        arrays.write(doubles)
        var perValue = SnapshotWriter()
        perValue.write(UInt64(n))
        for v in ints { perValue.write(v) }
        perValue.write(UInt64(n))
        for v in doubles { perValue.write(v) }
        #expect(arrays.bytes == perValue.bytes)
        var reader = SnapshotReader(arrays.bytes)
        #expect(try reader.readInt64s() == ints)
        #expect(try reader.readDoubles().map(\.bitPattern) == doubles.map(\.bitPattern))
    }

    @Test func integersAndStringsAreLittleEndianAndLengthPrefixed() throws {
        var writer = SnapshotWriter()
        writer.write(UInt32(0x0102_0304))
        writer.write(UInt64(0x0102_0304_0506_0708))
        writer.write("é1")
        #expect(writer.bytes == [4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 3, 0, 0, 0, 0xC3, 0xA9, 0x31])
        var reader = SnapshotReader(writer.bytes)
        #expect(try reader.readUInt32() == 0x0102_0304)
        #expect(try reader.readUInt64() == 0x0102_0304_0506_0708)
        #expect(try reader.readString() == "é1")
    }

    @Test func shortColumnsAreRefusedNotMisread() {
        var writer = SnapshotWriter()
        writer.writeColumn([Int64(1), 2, 3], slots: [0, 1, 2])
        var reader = SnapshotReader(Array(writer.bytes.dropLast()))
        #expect(throws: SluiceError.self) { try reader.readInt64Column(count: 3) }
        var negative = SnapshotReader(writer.bytes)
        #expect(throws: SluiceError.self) { try negative.readInt64Column(count: -1) }
        var short = SnapshotReader([1, 2, 3])
        #expect(throws: SluiceError.self) { try short.readUInt64() }
    }
}
