public import SluiceCore

/// Passes the first occurrence of each event id and diverts repeats (RabbitMQ redelivers).
///
/// Ports: 0 = first occurrences, 1 = duplicates (counted in `counters.duplicates`); both
/// carry the input schema.
///
/// Semantics: an event is a duplicate when an earlier event (in arrival order) with the
/// same id passed and is still remembered. Ids are remembered by the event time of the
/// event that passed, in buckets of `horizon / 4` (at least 1 ms); a bucket is forgotten
/// once its whole range is older than `watermark − horizon`. So an id is recognised for
/// at least `horizon` — at most `horizon` plus one bucket — of event time behind the
/// watermark, a definition that depends only on the input order and the watermarks, not
/// on batch boundaries. An event whose own time is already beyond that is passed and not
/// remembered (it cannot be told apart from a forgotten id). Rows with a null id or time
/// are passed and not remembered. Retraction batches (`Batch.isRetraction`) name view
/// rows, not events: they pass to port 0 unchanged and nothing is remembered of them.
///
/// Storage: string ids as 128-bit fingerprints (`DedupeFingerprint`, collision chance
/// about `n²/2¹²⁹` for `n` remembered ids), integer ids exactly. One lookup per row; each
/// distinct string of a batch is hashed once.
///
/// - Important: construct only from arguments `validate` accepted.
public final class DedupeOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()

    private let idColumn: Int
    private let timeColumn: Int
    private let horizon: Int64
    private let bucketWidth: Int64
    private var memory = DedupeMemory()
    private var watermark: EventTime = .beginningOfTime

    /// Ids currently recognised as duplicates if they come again.
    public var rememberedIds: Int { memory.liveCount }
    /// Fingerprints held in memory, including forgotten ones not yet compacted away.
    public var storedIds: Int { memory.storedCount }

    /// Builds the operator; the arguments must have passed `validate`.
    /// - Parameters:
    ///   - idField: a string or int field identifying the event.
    ///   - timeField: the event-time field (timestamp or int, epoch ms).
    ///   - horizonMillis: how long, in event time behind the watermark, ids are remembered.
    public init(schema: Schema, idField: String, timeField: String, horizonMillis: Int64) {
        let errors = Self.validate(schema: schema, idField: idField, timeField: timeField, horizonMillis: horizonMillis)
        precondition(errors.isEmpty, "DedupeOperator built from an unvalidated spec: \(errors)")
        outputSchemas = [schema, schema]
        idColumn = schema.index(of: idField)!
        timeColumn = schema.index(of: timeField)!
        horizon = horizonMillis
        bucketWidth = max(1, horizonMillis / 4)
    }

    /// Load-time checks: the id field exists and is a string or int, the time field exists
    /// and is a timestamp or int, the horizon is positive. Returns one message per problem.
    public static func validate(schema: Schema, idField: String, timeField: String, horizonMillis: Int64) -> [String] {
        var errors: [String] = []
        if let field = schema.field(named: idField) {
            if field.type != .string && field.type != .int64 {
                errors.append("de-duplication id field '\(idField)' is \(field.type), expected string or int")
            }
        } else {
            errors.append("unknown de-duplication id field '\(idField)'")
        }
        if let field = schema.field(named: timeField) {
            if !field.type.isIntegerStorage {
                errors.append("de-duplication time field '\(timeField)' is \(field.type), expected timestamp or int")
            }
        } else {
            errors.append("unknown de-duplication time field '\(timeField)'")
        }
        if horizonMillis <= 0 { errors.append("de-duplication horizon must be positive, got \(horizonMillis) ms") }
        return errors
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        if batch.isRetraction { return out.emit(batch) }
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let ids = batch.columns[idColumn]
        let times = batch.columns[timeColumn]
        var firsts: [Int32] = []
        var duplicates: [Int32] = []
        firsts.reserveCapacity(batch.count)
        let width = bucketWidth
        // Per dictionary entry, filled on first use: a partition's batch shares its parent's
        // dictionary, so hashing it all up front would hash other partitions' ids too.
        var primary = [UInt64](repeating: 0, count: ids.dictionary.count)
        var secondary = [UInt64](repeating: 0, count: ids.dictionary.count)
        var hashed = [Bool](repeating: false, count: ids.dictionary.count)
        times.ints.withUnsafeBufferPointer { time in
            for row in 0..<batch.count {
                guard ids.isValid(row), times.isValid(row) else {
                    firsts.append(Int32(row))
                    continue
                }
                let h1: UInt64
                let h2: UInt64
                if ids.type == .string {
                    let code = Int(ids.codes[row])
                    if !hashed[code] {
                        primary[code] = StableHash.hash(ids.dictionary[code])
                        secondary[code] = DedupeFingerprint.secondary(ids.dictionary[code])
                        hashed[code] = true
                    }
                    (h1, h2) = (primary[code], secondary[code])
                } else {
                    (h1, h2) = (UInt64(bitPattern: ids.ints[row]), 0)
                }
                let bucket = JoinTimeMath.floorDiv(time[row], width)
                if memory.checkAndRemember(h1, h2, bucket: bucket) {
                    duplicates.append(Int32(row))
                } else {
                    firsts.append(Int32(row))
                }
            }
        }
        counters.duplicates += Int64(duplicates.count)
        counters.rowsOut += Int64(firsts.count)
        if duplicates.isEmpty {
            out.emit(batch)
        } else {
            out.emit(batch.gather(firsts))
            out.emit(batch.gather(duplicates), port: 1)
        }
    }

    public func advanceWatermark(to newWatermark: EventTime, into out: inout OperatorOutput) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        memory.forget(before: firstLiveBucket(at: newWatermark))
    }

    /// Buckets before this one lie entirely before `watermark − horizon`.
    private func firstLiveBucket(at watermark: EventTime) -> Int64 {
        watermark == .beginningOfTime
            ? .min : JoinTimeMath.floorDiv(JoinTimeMath.subtracting(watermark, horizon), bucketWidth)
    }

    /// Writes the horizon, the watermark and the remembered fingerprints sorted by value,
    /// each with its bucket: equal memories give equal bytes.
    public func snapshot(into writer: inout SnapshotWriter) {
        writer.beginSection("dedupe", version: 1)
        writer.write(horizon)
        writer.write(watermark)
        let entries = memory.liveEntries()
        writer.write(entries.count)
        for entry in entries {
            writer.write(entry.h1)
            writer.write(entry.h2)
            writer.write(entry.bucket)
        }
    }

    public func restore(from reader: inout SnapshotReader) throws {
        _ = try reader.expectSection("dedupe", maxVersion: 1)
        let savedHorizon = try reader.readInt64()
        guard savedHorizon == horizon else {
            throw SluiceError(.corruptSnapshot, "de-duplication snapshot has horizon \(savedHorizon) ms, the operator \(horizon) ms")
        }
        let savedWatermark = try reader.readInt64()
        let count = try reader.readInt()
        guard count >= 0, count <= (reader.bytes.count - reader.offset) / 24 else {
            throw SluiceError(.corruptSnapshot, "de-duplication snapshot claims \(count) ids")
        }
        var entries: [(h1: UInt64, h2: UInt64, bucket: Int64)] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            entries.append((try reader.readUInt64(), try reader.readUInt64(), try reader.readInt64()))
        }
        watermark = savedWatermark
        memory = DedupeMemory()
        memory.setFirstLiveBucket(firstLiveBucket(at: savedWatermark))
        memory.rebuild(entries: entries)
    }
}
