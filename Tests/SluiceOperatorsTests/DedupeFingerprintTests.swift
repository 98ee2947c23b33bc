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

    /// Stored fingerprints must be made the same way forever: a change here would let
    /// every id of a restored snapshot pass again.
    @Test("word-wise fingerprints are pinned for ids of lengths 0, 3, 7, 8, 9, 15 and 16")
    func wordWisePinned() {
        let expected: [(String, UInt64, UInt64)] = [
            ("", 0x9490_8213_fdc0_190e, 0xe9e0_033e_3bad_af36),
            ("abc", 0x5891_5b97_b7bc_63d4, 0x79b4_ada1_5a54_6a92),
            ("g42-0-1", 0xe920_54ef_5936_274e, 0x7c1c_5134_9dcf_c53d),
            ("g42-0-12", 0x2551_2112_6082_66ab, 0x48d3_ff2c_171b_1d36),
            ("g42-0-123", 0x0820_8d9c_167e_fd89, 0x9808_dbad_36a6_a2dc),
            ("g42-1234-567890", 0xbe57_8009_a927_f371, 0x542d_5f4d_51e3_645d),
            ("g42-1234-5678901", 0x43a9_6095_97ab_332e, 0x0c05_e3a0_8b4b_a5ab),
        ]
        for (id, w0, w1) in expected {
            let got = DedupeFingerprint.of(id)
            #expect(got.0 == w0 && got.1 == w1, "\(id): \(String(got.0, radix: 16)) \(String(got.1, radix: 16))")
        }
        #expect(DedupeFingerprint.of("evt-1") != DedupeFingerprint.byteWise("evt-1"))
        #expect(DedupeFingerprint.byteWise("evt-1") == (StableHash.hash("evt-1"), DedupeFingerprint.secondary("evt-1")))
    }

    /// A version 3 snapshot, as `7459d4d` wrote it: every id fingerprinted byte-wise.
    static func versionThree(ids: [String], bucket: Int64, watermark: Int64) -> [UInt8] {
        var writer = SnapshotWriter()
        writer.beginSection("dedupe", version: 3)
        writer.write(Int64(1000))  // horizon
        writer.write(watermark)
        writer.write(1)  // segments
        writer.write(bucket)
        writer.write(ids.count)
        for (w0, w1) in ids.map({ DedupeFingerprint.byteWise($0) }).sorted(by: { $0.0 < $1.0 }) {
            writer.write(w0)
            writer.write(w1 & ~0xFFFF)
        }
        return writer.bytes
    }

    /// Ids restored from before version 4 must stay known (they were fingerprinted
    /// byte-wise), while new ids are remembered word-wise, through further snapshots,
    /// until the restored ones are forgotten.
    @Test("ids of a version 3 snapshot stay known through a version 4 snapshot, until forgotten")
    func versionThreeIdsStayKnown() throws {
        let dedupe = DedupeTests.make(horizon: 1000)
        var reader = SnapshotReader(Self.versionThree(ids: ["e-1", "e-2"], bucket: 9000 / 250, watermark: 10_000))
        try dedupe.restore(from: &reader)
        #expect(try Self.byteWiseUntil(dedupe) == 9000 / 250)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("e-1", 9500, 1), ("e-3", 9500, 2), ("e-2", 9600, 3), ("e-1", 9600, 4)]), input: 0, into: &out)
        #expect(DedupeTests.ports(out).duplicates == [1, 3, 4])
        #expect(dedupe.byteWiseLookups == 4)

        // Through a version 4 snapshot: old ids still known, and the new one (word-wise).
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        let restored = DedupeTests.make(horizon: 1000)
        var again = SnapshotReader(writer.bytes)
        try restored.restore(from: &again)
        var next = OperatorOutput()
        restored.process(DedupeTests.batch([("e-2", 9700, 5), ("e-3", 9700, 6), ("e-4", 9700, 7)]), input: 0, into: &next)
        #expect(DedupeTests.ports(next).duplicates == [5, 6])

        // Once the restored bucket is forgotten, ids are looked up one way only.
        restored.advanceWatermark(to: 20_000, into: &next)
        #expect(try Self.byteWiseUntil(restored) == .min)
        let lookups = restored.byteWiseLookups
        var later = OperatorOutput()
        restored.process(DedupeTests.batch([("e-5", 20_100, 8), ("e-5", 20_200, 9)]), input: 0, into: &later)
        #expect(DedupeTests.ports(later).duplicates == [9])
        #expect(restored.byteWiseLookups == lookups, "no byte-wise look-ups once the restored ids are forgotten")
    }

    @Test("a fresh operator writes no byte-wise bucket and never looks ids up byte-wise")
    func freshOperatorIsWordWise() throws {
        let dedupe = DedupeTests.make(horizon: 1000)
        var out = OperatorOutput()
        dedupe.process(DedupeTests.batch([("a", 100, 1), ("b", 200, 2)]), input: 0, into: &out)
        dedupe.advanceWatermark(to: 150, into: &out)
        dedupe.process(DedupeTests.batch([("b", 300, 3), ("c", 300, 4)]), input: 0, into: &out)
        #expect(try Self.byteWiseUntil(dedupe) == .min)
        #expect(dedupe.byteWiseLookups == 0, "a fresh operator looks ids up one way only")
    }

    /// `byteWiseUntil` as the operator's next snapshot records it (taking a snapshot seals
    /// the memory's open segments, which changes nothing a test here looks at).
    static func byteWiseUntil(_ dedupe: DedupeOperator) throws -> Int64 {
        var writer = SnapshotWriter()
        dedupe.snapshot(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        #expect(try reader.expectSection("dedupe", maxVersion: 4) == 4)
        _ = try reader.readInt64()  // horizon
        _ = try reader.readInt64()  // watermark
        return try reader.readInt64()
    }
}
