public import SluiceCore

/// Reads one string field back out of records as received (`Batch.records`): the strings
/// of a column in fingerprint form were never made, and the few places that need one (a
/// duplicate's dead letter, ids restored from an old snapshot) read it from the event.
public struct RecordFieldReader: Sendable {
    public let field: String
    private var decoder: JSONBatchDecoder

    public init(field: String) {
        self.field = field
        // Only this field, nullable, unchecked: these records passed the whole check once.
        decoder = JSONBatchDecoder(
            schema: Schema([Field(field, .string)]), required: [],
            options: DecoderOptions(maxRecordBytes: .max, validTimeRange: Int64.min...Int64.max, timeField: nil))
    }

    /// The field's value in each of `rows` of `records` (nil where absent or null).
    public mutating func strings(of records: RawRecords, rows: [Int32]) -> [String?] {
        let messages = rows.map { records.record(Int($0)) }
        let positions = [SourcePosition](repeating: SourcePosition(source: field, split: 0, offset: 0), count: rows.count)
        let (batch, rejections) = decoder.decodeMessages(messages, positions: positions)
        if rejections.isEmpty && batch.count == rows.count {
            let column = batch.columns[0]
            return (0..<batch.count).map { column.string(at: $0) }
        }
        // A record this lax decoder refuses (not expected) stays nil; the rest keep their rows.
        return messages.map { message in
            let (one, _) = decoder.decodeMessages([message], positions: [positions[0]])
            return one.count == 1 ? one.columns[0].string(at: 0) : nil
        }
    }
}
