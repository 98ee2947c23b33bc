public import SluiceCore

/// A source of synthetic DAA events (`daa-events.md`) with the platform's traffic mix,
/// agent and workflow lifecycles, cross-agent disorder, a few minutes-late events and
/// redeliveries: the input of demos, tests and benchmarks (`generator:daa`).
///
/// - Batches have the schema `DAA.schema`; array fields (`capabilities`, `target_agents`)
///   hold their JSON array text.
/// - Deterministic: the same options give the same events in every split, whatever batch
///   sizes are asked for. Split `s` carries the agents whose index `% splits == s`.
/// - Positions count the events a split has emitted; reopening after a position resumes
///   with exactly the next event. The split's prefix is regenerated and skipped, so
///   reopening takes time proportional to the offset.
/// - Event ids are `g<seed>-<split>-<n>`, n the event's place in its split; a redelivery
///   repeats an earlier event of the same split, id included.
/// - With `eventsPerSecond` set, each split is paced by the wall clock at its share of the
///   rate, in bursts of 10 ms of it (`GeneratorPacer`), and reports `.idle` while less than
///   a burst is due.
public struct DAAGeneratorSource: Source {
    public let name: String
    public let options: DAAGeneratorOptions

    /// - Throws: `SluiceError.invalidArgument` when the options cannot describe a stream.
    public init(name: String = "daa", options: DAAGeneratorOptions = DAAGeneratorOptions()) throws {
        try options.validate()
        self.name = name
        self.options = options
    }

    public var schema: Schema { DAA.schema }
    public var splitCount: Int { options.splits }
    public var isBounded: Bool { options.limit != .unbounded }

    public func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        guard (0..<options.splits).contains(index) else {
            throw SluiceError(.invalidArgument, "generator '\(name)' has no split \(index)")
        }
        var generator = DAASplitGenerator(options: options, split: index)
        if let position {
            guard position.source == name, position.split == index, position.offset >= 0 else {
                throw SluiceError(.invalidArgument, "position \(position) does not belong to split \(index) of '\(name)'")
            }
            if let total = generator.total, position.offset > total {
                throw SluiceError(.invalidArgument, "position \(position) lies past the end of the split (\(total) events)")
            }
            generator.skip(position.offset)
        }
        return DAAGeneratorReader(name: name, generator: generator, options: options)
    }
}

/// Reads one split of a `DAAGeneratorSource`.
final class DAAGeneratorReader: SourceReader {
    private let name: String
    private var generator: DAASplitGenerator
    private let batchRows: Int
    private var pacer: GeneratorPacer?
    private var events: [DAAEvent] = []

    init(name: String, generator: DAASplitGenerator, options: DAAGeneratorOptions) {
        self.name = name
        self.generator = generator
        batchRows = options.batchRows
        pacer = options.eventsPerSecond.map {
            GeneratorPacer(eventsPerSecond: $0 / Double(options.splits), startOffset: generator.emitted)
        }
    }

    func next(maxRows: Int) throws -> SourceChunk {
        if generator.isFinished { return .end }
        if maxRows <= 0 {
            var empty = Batch.empty(DAA.schema)
            empty.position = SourcePosition(source: name, split: generator.split, offset: generator.emitted)
            return .data(empty, rejections: [])
        }
        var limit = Int64(min(maxRows, batchRows))
        if var pacer {
            limit = min(limit, pacer.allowance(emitted: generator.emitted))
            self.pacer = pacer
            if limit == 0 { return .idle }
        }
        events.removeAll(keepingCapacity: true)
        while Int64(events.count) < limit, let event = generator.next() { events.append(event) }
        if events.isEmpty { return .end }
        let after = SourcePosition(source: name, split: generator.split, offset: generator.emitted)
        return .data(DAAEvent.batch(events, schema: DAA.schema, position: after), rejections: [])
    }

    var progress: Double? {
        guard let total = generator.total else { return nil }
        return total == 0 ? 1 : Double(generator.emitted) / Double(total)
    }
}
