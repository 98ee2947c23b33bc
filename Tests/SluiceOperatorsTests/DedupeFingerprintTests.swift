@testable import SluiceOperators
import SluiceCore
import Testing

@Suite("De-duplication fingerprints")
struct DedupeFingerprintTests {
    /// Ids of every length up to 40 that differ in one byte, in their length, or only by a
    /// trailing zero byte: the cases an overlapping last word could confuse.
    @Test("word-wise fingerprints tell apart ids of every length that differ in one byte or in length")
    func wordWiseSeparatesNearIds() {
        var ids: Set<[UInt8]> = []
        for length in 0...40 {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: 0x61 + $0 % 26) }
            ids.insert(base)
            ids.insert(base + [0])
            for position in 0..<length {
                for delta: UInt8 in [1, 0x80] {
                    var changed = base
                    changed[position] ^= delta
                    ids.insert(changed)
                }
            }
        }
        for n in 0..<100_000 { ids.insert(Array("g42-\(n / 4096)-\(n)".utf8)) }
        var seen: [UInt64: [UInt8]] = [:]
        var seenSecond: [UInt64: [UInt8]] = [:]
        for id in ids {
            let (w0, w1) = id.withUnsafeBytes { DedupeFingerprint.wordWise($0) }
            #expect(seen.updateValue(id, forKey: w0) == nil, "word 0 of \(id) repeats")
            // The memory keeps word 1 without its low 16 bits.
            #expect(seenSecond.updateValue(id, forKey: w1 & ~0xFFFF) == nil, "word 1 of \(id) repeats")
        }
    }

    @Test("the two kinds differ, so a memory must know which made its fingerprints")
    func kindsDiffer() {
        #expect(DedupeFingerprint.of("evt-1", .wordWise) != DedupeFingerprint.of("evt-1", .byteWise))
        #expect(DedupeFingerprint.of("evt-1", .byteWise) == (StableHash.hash("evt-1"), DedupeFingerprint.secondary("evt-1")))
    }

    /// A snapshot from before version 4 holds byte-wise fingerprints: the restored
    /// operator must go on making those, or every id it remembers would pass again.
    @Test("a version 3 snapshot restores byte-wise, writes that kind on, and turns word-wise once every id is forgotten")
    func versionThreeKeepsByteWise() throws {
        var writer = SnapshotWriter()
        writer.beginSection("dedupe", version: 3)
        writer.write(Int64(1000))  // horizon
        writer.write(Int64(10_000))  // watermark
        writer.write(1)  // segments
        writer.write(Int64(9000 / 250))  // bucket
        let ids = ["e-1", "e-2"]
        writer.write(ids.count)
        for (w0, w1) in ids.map({ DedupeFingerprint.of($0, .byteWise) }).sorted(by: { $0.0 < $1.0 }) {
            writer.write(w0)
            writer.write(w1 & ~0xFFFF)
        }
        let dedupe = DedupeTests.make(horizon: 1000)
        var reader = SnapshotReader(writer.bytes)
        try dedupe.restore(from: &reader)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("e-1", 9500, 1), ("e-3", 9500, 2), ("e-2", 9600, 3)]), input: 0, into: &out)
        #expect(DedupeTests.ports(out).duplicates == [1, 3])
        #expect(try Self.kind(of: dedupe) == .byteWise)

        // Far past the horizon: nothing is remembered, so the cheaper kind takes over.
        dedupe.advanceWatermark(to: 20_000, into: &out)
        #expect(dedupe.rememberedIds == 0)
        #expect(try Self.kind(of: dedupe) == .wordWise)
        var later = OperatorOutput()
        dedupe.process(DedupeTests.batch([("e-4", 20_100, 4), ("e-4", 20_200, 5)]), input: 0, into: &later)
        #expect(DedupeTests.ports(later).duplicates == [5])
    }

    @Test("a version 4 snapshot carries its kind through a restore")
    func versionFourRoundTrips() throws {
        let dedupe = DedupeTests.make(horizon: 1000)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("a", 100, 1), ("b", 200, 2)]), input: 0, into: &out)
        #expect(try Self.kind(of: dedupe) == .wordWise)
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        let restored = DedupeTests.make(horizon: 1000)
        var reader = SnapshotReader(writer.bytes)
        try restored.restore(from: &reader)
        var again = OperatorOutput()
        restored.process(DedupeTests.batch([("b", 300, 3), ("c", 300, 4)]), input: 0, into: &again)
        #expect(DedupeTests.ports(again).duplicates == [3])

        var damaged = SnapshotWriter()
        damaged.beginSection("dedupe", version: 4)
        damaged.write(Int64(1000))
        damaged.write(Int64(0))
        damaged.write(Int64(7))  // no such kind
        damaged.write(0)
        var damagedReader = SnapshotReader(damaged.bytes)
        #expect(throws: SluiceError.self) { try DedupeTests.make(horizon: 1000).restore(from: &damagedReader) }
    }

    /// The kind as the operator's next snapshot records it.
    static func kind(of dedupe: DedupeOperator) throws -> DedupeFingerprint.Kind? {
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        #expect(try reader.expectSection("dedupe", maxVersion: 4) == 4)
        _ = try reader.readInt64()  // horizon
        _ = try reader.readInt64()  // watermark
        return DedupeFingerprint.Kind(rawValue: UInt8(try reader.readInt64()))
    }
}
