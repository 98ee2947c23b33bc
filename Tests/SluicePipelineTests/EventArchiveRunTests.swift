import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// `event-archive`: every distinct event exactly once.
@Suite struct EventArchiveRunTests {
    @Test func archivesEveryDistinctEventOnce() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 61, count: 20_000)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("event-archive", events: uri))
        #expect(summary.outcome == .completed)
        let archived = RowMultiset(try #require(memory.all["archive"]).rows)
        let expected = RowMultiset(try PipelineRunSupport.distinctEvents(options))
        #expect(archived == expected, "\(archived.difference(from: expected))")
        #expect(summary.eventsIn == 20_000)
        #expect(summary.duplicates == Int64(20_000 - expected.count))
    }
}
