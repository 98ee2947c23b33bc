import SluiceCore
import SluiceOperators
import Testing

@testable import SluiceOperators

/// De-duplication sizing its memory for the rest of a bounded input (`inputRead`).
@Suite("De-duplication sizing")
struct DedupeSizingTests {
    /// `batches` batches of 1,000 new ids each, `millisPerBatch` of event time apart
    /// (rows 1 ms apart within a batch, the watermark at each batch's start after it),
    /// every fourth batch also repeating ten ids of the batch before; returns the
    /// duplicates found.
    static func feed(
        _ dedupe: DedupeOperator, batches: Range<Int>, millisPerBatch: Int64, strayAt: Int? = nil
    ) -> Int {
        var duplicates = 0
        for b in batches {
            var rows: [(id: String?, ts: Int64?, n: Int64)] = (0..<1000).map { r in
                ("e-\(b)-\(r)", Int64(b) * millisPerBatch + Int64(r % 100), Int64(b * 1000 + r))
            }
            if b % 4 == 3 { rows += (0..<10).map { r in ("e-\(b - 1)-\(r)", Int64(b) * millisPerBatch, -1) } }
            // A stray event an hour old.
            if let strayAt { rows[strayAt].ts = Int64(b) * millisPerBatch - 3_600_000 }
            var out = OperatorOutput()
            dedupe.process(DedupeTests.batch(rows), input: 0, into: &out)
            dedupe.advanceWatermark(to: Int64(b) * millisPerBatch, into: &out)
            duplicates += DedupeTests.ports(out).duplicates.count
        }
        return duplicates
    }

    /// Whether hearing `fraction` made the operator's memory change size.
    static func inputReadChangesMemory(_ dedupe: DedupeOperator, fraction: Double) -> Bool {
        let before = dedupe.memoryBytes
        dedupe.inputRead(fraction: fraction)
        return dedupe.memoryBytes != before
    }

    @Test("a tenth of a bounded input read: the memory takes room for all of it at once, and stays exact")
    func sizesForTheWholeInput() {
        let dedupe = DedupeTests.make(horizon: 600_000)
        var duplicates = Self.feed(dedupe, batches: 0..<40, millisPerBatch: 10)
        let before = dedupe.memoryBytes
        dedupe.inputRead(fraction: 0.1)
        // 400,000 ids expected; at most 32 bytes each, at least 16 (one slot each).
        #expect(dedupe.memoryBytes >= 400_000 * 16, "\(before) → \(dedupe.memoryBytes) bytes")
        #expect(dedupe.memoryBytes <= 400_000 * 32)
        let sized = dedupe.memoryBytes
        duplicates += Self.feed(dedupe, batches: 40..<400, millisPerBatch: 10)
        #expect(duplicates == 100 * 10, "every repeated id found, none more")
        #expect(dedupe.rememberedIds == 400_000)
        #expect(dedupe.memoryBytes == sized, "no segment grew after sizing")
    }

    @Test("an input denser than the horizon holds: room for the ids within the horizon only")
    func sizesForTheHorizonAtMost() {
        // 1,000 ids per second of event time, a 10 s horizon (2.5 s buckets), 8 s read:
        // about 12,500 live ids at most, however long the input (100 times this).
        let dedupe = DedupeTests.make(horizon: 10_000)
        _ = Self.feed(dedupe, batches: 0..<8, millisPerBatch: 1000)
        dedupe.inputRead(fraction: 0.01)
        #expect(dedupe.memoryBytes >= 12_000 * 16, "sized for the horizon's ids")
        #expect(dedupe.memoryBytes <= 20_000 * 32, "\(dedupe.memoryBytes) bytes, not room for 800,000 ids")
    }

    @Test("a stray event from long ago does not stretch the span the density is read over")
    func aStrayEventDoesNotStretchTheSpan() {
        // As above, twice: once with one sampled row of batch 5 an hour old. Read over that
        // span, the density would call for under a hundred ids (or look forgotten).
        let plain = DedupeTests.make(horizon: 10_000)
        _ = Self.feed(plain, batches: 0..<8, millisPerBatch: 1000)
        let stray = DedupeTests.make(horizon: 10_000)
        _ = Self.feed(stray, batches: 0..<5, millisPerBatch: 1000)
        _ = Self.feed(stray, batches: 5..<6, millisPerBatch: 1000, strayAt: 500)
        _ = Self.feed(stray, batches: 6..<8, millisPerBatch: 1000)
        let grown = plain.memoryBytes
        plain.inputRead(fraction: 0.01)
        stray.inputRead(fraction: 0.01)
        #expect(plain.memoryBytes > grown, "sized for the horizon's ids")
        #expect(abs(stray.memoryBytes - plain.memoryBytes) <= plain.memoryBytes / 100, "\(stray.memoryBytes) vs \(plain.memoryBytes) bytes")
    }

    @Test("once ids can have been forgotten, or after the end, the memory follows the live ids")
    func leavesTheMemoryAloneOnceForgetting() {
        let dedupe = DedupeTests.make(horizon: 10_000)
        _ = Self.feed(dedupe, batches: 0..<40, millisPerBatch: 1000)
        #expect(!Self.inputReadChangesMemory(dedupe, fraction: 0.02))
        var out = OperatorOutput()
        dedupe.advanceWatermark(to: .endOfTime, into: &out)
        #expect(!Self.inputReadChangesMemory(dedupe, fraction: 0.5), "nothing allocated after the end")
    }

    @Test("too little read to judge: the memory grows as before")
    func leavesTheMemoryAloneEarly() {
        let dedupe = DedupeTests.make(horizon: 600_000)
        _ = Self.feed(dedupe, batches: 0..<4, millisPerBatch: 10)
        #expect(!Self.inputReadChangesMemory(dedupe, fraction: 0.001))
    }
}
