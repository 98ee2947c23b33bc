import SluiceCore
import SluiceRuntime
import Testing

/// A store whose pipeline another worker has claimed: every save is refused as fenced.
private struct ClaimedElsewhereStore: CheckpointStore {
    func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        throw SluiceError(.fenced, "fenced: pipeline '\(pipeline)' was taken over by worker 'other'")
    }
    func latest(pipeline: String) throws -> Checkpoint? { nil }
}

@Suite struct FencedSaveTests {
    /// Callers (the queue jobs of `sluice run`) stop a fenced job instead of retrying it, so
    /// the fence must reach them as a code, not only as words inside a wrapped message.
    @Test(.timeLimit(.minutes(5)))
    func aFencedSaveEndsTheJobWithTheFencedCode() throws {
        let source = BatchListSource(
            name: "events", schema: SampleData.schema, splits: [SampleData.batches(count: 20, rows: 10, agents: 4, seed: 3)])
        let (flow, _) = TotalsFlow.make("fenced", source: source)
        var options = RunOptions(workers: 2, partitions: 2)
        options.checkpointStore = ClaimedElsewhereStore()
        let error = try #require(throws: SluiceError.self) { try Job(flow, options: options).run() }
        #expect(error.code == .fenced, "\(error)")
        #expect(error.message.contains("could not save") && error.message.contains("taken over by worker 'other'"), "\(error.message)")
    }
}
