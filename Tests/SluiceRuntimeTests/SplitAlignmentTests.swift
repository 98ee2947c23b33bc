import SluiceCore
import Testing

@testable import SluiceRuntime

@Suite struct SplitAlignmentTests {
    @Test func aSplitWaitsOnlyWhenTooFarAheadOfTheSlowestCountedSplit() {
        let alignment = SplitAlignment(splits: 3, maxDriftMillis: 1_000)
        // Nobody has reported: nobody waits.
        #expect(!alignment.isAhead(split: 0))
        alignment.report(split: 0, watermark: 5_000)
        #expect(!alignment.isAhead(split: 0))
        alignment.report(split: 1, watermark: 3_000)
        // 0 is 2 s ahead of 1; 2 has not reported and does not count.
        #expect(alignment.isAhead(split: 0))
        #expect(!alignment.isAhead(split: 1))
        #expect(!alignment.isAhead(split: 2))
        alignment.report(split: 1, watermark: 4_000)
        // Exactly the drift apart: reading on is allowed.
        #expect(!alignment.isAhead(split: 0))
        alignment.report(split: 2, watermark: 0)
        #expect(alignment.isAhead(split: 0))
        #expect(alignment.isAhead(split: 1))
        // An idle or finished split stops holding the others back.
        alignment.report(split: 2, watermark: nil)
        #expect(!alignment.isAhead(split: 0))
        // The end of time never overflows into "behind".
        alignment.report(split: 1, watermark: .endOfTime)
        #expect(!alignment.isAhead(split: 0))
        #expect(alignment.isAhead(split: 1))
    }
}
