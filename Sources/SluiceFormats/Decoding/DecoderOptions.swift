public import SluiceCore

/// Limits and content checks `JSONBatchDecoder` applies to every record.
public struct DecoderOptions: Sendable {
    /// Records longer than this (in bytes, without the line terminator) are rejected:
    /// `record of N bytes exceeds the limit of M`; the rejection keeps the first M bytes.
    public var maxRecordBytes: Int
    /// Accepted values of the `timeField` (epoch ms, inclusive); the default is
    /// 2000-01-01 ... 2100-01-01 UTC. Anything outside is rejected, so a clock decades off
    /// cannot open windows nobody will ever close.
    public var validTimeRange: ClosedRange<Int64>
    /// When set, the `type` field (if present and not null) must be one of these,
    /// e.g. `DAA.eventTypes`: `unknown event type 'x'`.
    public var allowedTypes: Set<String>?
    /// The integer or timestamp field checked against `validTimeRange` (nil: no check).
    public var timeField: String?
    /// Keep each accepted record's bytes on the batch (`Batch.records`), for sinks that
    /// store events exactly as received (`archive:`). Off by default: it costs a copy of
    /// the input per batch.
    public var keepsRecords = false
    /// Fields validated exactly like schema fields (type, range, duplicates; required
    /// when not nullable) but not kept in the batches: a pipeline that reads few of a
    /// wide schema's fields decodes only those and still rejects the records the whole
    /// schema would. Names already in the schema are ignored. A record missing several
    /// required fields is rejected naming the first kept one before any checked one (the
    /// whole schema's decoder names them in schema order).
    public var checkedFields: [Field] = []
    /// String fields of the schema decoded into fingerprint form (`Column.fingerprints`):
    /// each value's `DedupeFingerprint` words, never a `String`. For an id column that only
    /// de-duplication reads (the planner proves that). Values are checked as before.
    public var fingerprintedFields: Set<String> = []

    public init(
        maxRecordBytes: Int = 1 << 20,
        validTimeRange: ClosedRange<Int64> = 946_684_800_000...4_102_444_800_000,
        allowedTypes: Set<String>? = nil,
        timeField: String? = "ts"
    ) {
        self.maxRecordBytes = maxRecordBytes
        self.validTimeRange = validTimeRange
        self.allowedTypes = allowedTypes
        self.timeField = timeField
    }
}
