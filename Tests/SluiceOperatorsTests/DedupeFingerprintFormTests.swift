import SluiceCore
import SluiceFormats
import Testing

@testable import SluiceOperators

/// De-duplication fed an id column in fingerprint form (`Column.fingerprints`, decoded
/// from the events as received) decides every row as it does from the strings, leaves
/// the same snapshot, and still knows the ids of a version 3 snapshot, which it reads
/// from the records.
@Suite("De-duplication of fingerprinted ids")
struct DedupeFingerprintFormTests {
    /// The rows decoded from their events, the id in fingerprint form or as strings.
    static func decoded(_ rows: [(id: String?, ts: Int64?, n: Int64)], fingerprinted: Bool) -> Batch {
        var options = DecoderOptions(timeField: nil)
        options.keepsRecords = true
        if fingerprinted { options.fingerprintedFields = ["id"] }
        var decoder = JSONBatchDecoder(schema: DedupeTests.schema, required: [], options: options)
        let lines = rows.map { row in
            let id = row.id.map { "\"\($0)\"" } ?? "null"
            return "{\"id\":\(id),\"ts\":\(row.ts.map(String.init) ?? "null"),\"n\":\(row.n)}"
        }
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let (batch, rejections) = bytes.withUnsafeBytes {
            decoder.decodeLines($0, firstLine: 1, source: "events", split: 0, baseOffset: 0)
        }
        precondition(rejections.isEmpty && batch.count == rows.count && batch.columns[0].isFingerprinted == fingerprinted)
        return batch
    }

    @Test("fingerprinted ids give the ports and the snapshot that strings give", arguments: [1, 2, 3] as [UInt64])
    func sameDecisionsAsStrings(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let plain = DedupeTests.make(horizon: 1000)
        let fingerprinted = DedupeTests.make(horizon: 1000)
        var n: Int64 = 0
        for step in 0..<40 {
            let rows = (0..<Int.random(in: 1...200, using: &rng)).map { _ -> (id: String?, ts: Int64?, n: Int64) in
                n += 1
                let id: String? = Int.random(in: 0..<50, using: &rng) == 0 ? nil : "e-\(Int.random(in: 0..<400, using: &rng))"
                return (id, Int64(step * 100 + Int.random(in: 0..<300, using: &rng)), n)
            }
            var a = OperatorOutput()
            var b = OperatorOutput()
            plain.process(Self.decoded(rows, fingerprinted: false), input: 0, into: &a)
            fingerprinted.process(Self.decoded(rows, fingerprinted: true), input: 0, into: &b)
            #expect(DedupeTests.ports(b) == DedupeTests.ports(a), "seed \(seed), step \(step)")
            plain.advanceWatermark(to: Int64(step * 100 - 300), into: &a)
            fingerprinted.advanceWatermark(to: Int64(step * 100 - 300), into: &b)
        }
        #expect(fingerprinted.counters.duplicates == plain.counters.duplicates && plain.counters.duplicates > 0)
        var x = SnapshotWriter()
        var y = SnapshotWriter()
        plain.snapshot(into: &x)
        fingerprinted.snapshot(into: &y)
        #expect(x.bytes == y.bytes, "seed \(seed)")
    }

    @Test("ids of a version 3 snapshot stay known when the ids come as fingerprints")
    func versionThreeIdsFromRecords() throws {
        let dedupe = DedupeTests.make(horizon: 1000)
        var reader = SnapshotReader(DedupeFingerprintTests.versionThree(ids: ["e-1", "e-2"], bucket: 9000 / 250, watermark: 10_000))
        try dedupe.restore(from: &reader)
        var out = OperatorOutput()
        let batch = Self.decoded([("e-1", 9500, 1), ("e-3", 9500, 2), ("e-2", 9600, 3), ("e-1", 9600, 4), (nil, 9600, 5)], fingerprinted: true)
        dedupe.process(batch, input: 0, into: &out)
        #expect(DedupeTests.ports(out).duplicates == [1, 3, 4])
        #expect(dedupe.byteWiseLookups == 5)
        // A selection of the rows: the records read are the selected rows'.
        let again = DedupeTests.make(horizon: 1000)
        var second = SnapshotReader(DedupeFingerprintTests.versionThree(ids: ["e-1", "e-2"], bucket: 9000 / 250, watermark: 10_000))
        try again.restore(from: &second)
        var selected = OperatorOutput()
        again.process(batch, rows: [3, 1, 4], input: 0, into: &selected)
        #expect(DedupeTests.ports(selected).duplicates == [4])
    }
}
