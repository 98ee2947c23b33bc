public import SluiceCore
import SluiceFormats

/// Sends the events de-duplication rejected to the dead-letter destination, each with
/// the reason and the event itself as its raw record (as received when the source kept
/// it, `ReceivedEvents`), so redeliveries are counted *and* kept — nothing leaves a
/// pipeline silently.
public final class DuplicateDeadLetterSink: Sink, @unchecked Sendable {
    // Only the runtime's sink executor calls it, one thread at a time.
    public let name: String
    private let target: (any RejectionSink)?
    private let source: String
    private let idField: String
    private lazy var idReader = RecordFieldReader(field: idField)
    private var pending: [Rejection] = []

    public init(name: String, target: (any RejectionSink)?, source: String, idField: String) {
        self.name = name
        self.target = target
        self.source = source
        self.idField = idField
    }

    public func open(schema: Schema, mode: SinkMode) throws {}

    public func write(_ batch: Batch) throws {
        guard target != nil else { return }
        let ids = batch.column(named: idField)
        // An id column in fingerprint form has no strings: the ids come from the records
        // (the planner fingerprints only ids whose batches keep them).
        var fromRecords: [String?] = []
        if ids?.isFingerprinted == true, let records = batch.records {
            fromRecords = idReader.strings(of: records, rows: (0..<Int32(batch.count)).map { $0 })
        }
        for row in 0..<batch.count {
            let line = ReceivedEvents.line(of: batch, row: row)
            let id =
                fromRecords.isEmpty
                ? ids?.value(at: row).description ?? "?" : (fromRecords[row].map(Value.string) ?? .null).description
            pending.append(
                Rejection(reason: "duplicate \(idField) \(id) already seen within the de-duplication horizon", raw: line))
        }
    }

    public func commit(epoch: Epoch) throws {
        guard let target else { return }
        if !pending.isEmpty { try target.write(pending, source: source) }
        pending.removeAll(keepingCapacity: true)
        try target.commit(epoch: epoch)
    }

    public func close() throws { try target?.close() }
}
