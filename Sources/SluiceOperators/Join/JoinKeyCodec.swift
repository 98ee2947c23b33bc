import SluiceCore

/// Encodes the key columns of both join inputs into one word space, so equal keys on the
/// two sides become equal words (strings share one interner).
///
/// Rows whose key or time is null never join (SQL semantics: null equals nothing); the
/// operators skip them before looking at their words, so the encoders treat every key
/// column as non-nullable and both sides have the same width.
struct JoinKeyCodec: Sendable {
    private var encoders: [KeyWordEncoder]
    private let keyColumns: [[Int]]
    private let timeColumns: [Int]
    private(set) var interner = StringInterner()

    init(schemas: [Schema], keys: [[String]], times: [String]) {
        encoders = zip(schemas, keys).map { schema, names in
            let keyed = Set(names)
            let relaxed = Schema(schema.fields.map { field in
                var copy = field
                if keyed.contains(field.name) { copy.nullable = false }
                return copy
            })
            return KeyWordEncoder(KeyEncoder(schema: relaxed, keyNames: names))
        }
        keyColumns = zip(schemas, keys).map { schema, names in names.map { schema.index(of: $0)! } }
        timeColumns = zip(schemas, times).map { schema, name in schema.index(of: name)! }
    }

    var width: Int { encoders[0].encoder.width }

    /// Forgets every interned string (the owner rebuilds its state from live rows).
    mutating func reset() {
        interner = StringInterner()
        for side in encoders.indices { encoders[side].forgetTranslations() }
    }

    /// Fills `words` with the keys of every row of `batch` from input `side`.
    mutating func encode(_ batch: Batch, side: Int, into words: inout [UInt64]) {
        encoders[side].encode(batch, interner: &interner, into: &words)
    }

    /// The event times of a batch, and which rows can join (nil: all of them).
    func times(_ batch: Batch, side: Int) -> (times: [Int64], joinable: [Bool]?) {
        let timeColumn = batch.columns[timeColumns[side]]
        var joinable: [Bool]? = nil
        for column in [timeColumn] + keyColumns[side].map({ batch.columns[$0] }) {
            guard let validity = column.validity else { continue }
            if joinable == nil {
                joinable = validity
            } else {
                for r in 0..<batch.count where !validity[r] { joinable![r] = false }
            }
        }
        return (timeColumn.ints, joinable)
    }
}
