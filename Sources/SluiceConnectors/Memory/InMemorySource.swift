public import SluiceCore

/// A bounded source over batches already in memory: benchmarks (the engine and the raw
/// loop read the same pre-generated data) and tests.
///
/// Split `i` yields `splits[i]` in order, consecutive batches joined up to the rows asked
/// for; a position's offset is the number of batches of that split consumed, so resuming
/// after it skips exactly those.
public struct InMemorySource: Source {
    public let name: String
    public let schema: Schema
    public let splits: [[Batch]]

    public init(name: String, schema: Schema, splits: [[Batch]]) {
        self.name = name
        self.schema = schema
        self.splits = splits
    }

    public var splitCount: Int { splits.count }
    public var isBounded: Bool { true }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        InMemorySplitReader(name: name, split: index, batches: splits[index], next: Int(position?.offset ?? 0))
    }
}

final class InMemorySplitReader: SourceReader {
    let name: String
    let split: Int
    let batches: [Batch]
    var next: Int

    init(name: String, split: Int, batches: [Batch], next: Int) {
        self.name = name
        self.split = split
        self.batches = batches
        self.next = next
    }

    func next(maxRows: Int) throws -> SourceChunk {
        guard next < batches.count else { return .end }
        // Consecutive batches up to `maxRows`, like a reader filling its chunk.
        var batch = batches[next]
        next += 1
        var parts: [Batch] = []
        var rows = batch.count
        while next < batches.count, rows + batches[next].count <= maxRows {
            parts.append(batches[next])
            rows += batches[next].count
            next += 1
        }
        if !parts.isEmpty { batch = Batch.concat([batch] + parts, schema: batch.schema) }
        batch.position = SourcePosition(source: name, split: split, offset: Int64(next))
        return .data(batch, rejections: [])
    }

    var progress: Double? { batches.isEmpty ? 1 : Double(next) / Double(batches.count) }
}
