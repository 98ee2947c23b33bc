import SluiceCore

/// Stand-ins that give a planned graph its shape without opening anything, so `explain`
/// and `validate` can ask the runtime how rows will move (exchanges, scatters) for a
/// pipeline whose files, queues or databases are not there. Opening one is a bug.
struct LayoutSource: Source {
    let name: String
    let schema: Schema
    var splitCount: Int { 1 }
    var isBounded: Bool { true }

    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        throw SluiceError(.invalidArgument, "source '\(name)' only describes the plan; it cannot be read")
    }
}

final class LayoutSink: Sink {
    let name: String
    init(name: String) { self.name = name }

    func open(schema: Schema, mode: SinkMode) throws {
        throw SluiceError(.invalidArgument, "sink '\(name)' only describes the plan; it cannot be written")
    }
    func write(_ batch: Batch) throws {}
    func commit(epoch: Epoch) throws {}
    func close() throws {}
}
