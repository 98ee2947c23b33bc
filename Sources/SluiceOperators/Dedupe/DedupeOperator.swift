public import SluiceCore
import SluiceFormats

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
/// on batch boundaries. For a row, the watermark is the later of the operator's and the
/// one its own split had sent before it (`process(_:rows:input:origin:into:)`), so that
/// whether it is a duplicate does not depend on how far other splits or partitions were.
/// An event whose own time is already beyond that is passed and not remembered (it
/// cannot be told apart from a forgotten id). Rows with a null id or time
/// are passed and not remembered. Retraction batches (`Batch.isRetraction`) name view
/// rows, not events: they pass to port 0 unchanged and nothing is remembered of them.
///
/// Storage: string ids as 112-bit fingerprints (`DedupeFingerprint`, collision chance
/// about `n²/2¹¹³` for `n` remembered ids), integer ids exactly, 16 bytes each in an
/// open-addressing table whose entries are tagged with their bucket (`DedupeMemory`): 20–30
/// bytes per remembered id, plus at most a quarter more for forgotten ids not yet purged.
/// Forgetting a bucket costs nothing per id. One look-up per row, prefetched a few rows
/// ahead; each distinct string of a batch is hashed once, and an id column in fingerprint
/// form (`Column.fingerprints`) is not hashed here at all. Snapshots hold 16 bytes per
/// remembered id, plus 16 per segment (the ids one bucket gained between two snapshots):
/// consecutive snapshots share every segment but the new ones (and one an id moved out
/// of, when a row forgot its bucket ahead of the operator: below).
///
/// - Important: construct only from arguments `validate` accepted.
public final class DedupeOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()

    private let idColumn: Int
    private let idField: String
    /// Reads ids from records for the byte-wise look-up when the column holds fingerprints.
    private lazy var idReader = RecordFieldReader(field: idField)
    private let timeColumn: Int
    private let horizon: Int64
    private let bucketWidth: Int64
    private var memory = DedupeMemory()
    /// Ids restored from a snapshot before version 4 were fingerprinted byte-wise
    /// (`DedupeFingerprint.byteWise`); while this bucket, their newest, is remembered, each
    /// string id is also looked up that way. `.min`: none.
    private var byteWiseUntil = Int64.min
    /// Rows also looked up byte-wise (tests: a fresh operator never does).
    private(set) var byteWiseLookups = 0
    private var watermark: EventTime = .beginningOfTime
    /// For the batch in hand: buckets before this one count as forgotten (its origin's
    /// first live bucket when that is later than the memory's; nil otherwise).
    private var liveFrom: Int64?
    /// The earliest and latest typical event time of the batches processed since the
    /// operator was made or restored (`typicalTime`; `Int64.max`/`.min`: none yet).
    private var earliestTypicalTime = Int64.max
    private var latestTypicalTime = Int64.min

    /// Ids currently recognised as duplicates if they come again.
    public var rememberedIds: Int { memory.liveCount }
    /// Fingerprints held in memory, including forgotten ones not yet compacted away.
    public var storedIds: Int { memory.storedCount }
    /// Bytes the remembered ids take (for memory accounting and benchmarks).
    public var memoryBytes: Int { memory.memoryBytes }

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
        self.idField = idField
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
        process(batch, rows: nil, into: &out)
    }

    /// Forgets for these rows what their own split's watermark (`origin`) forgets, even
    /// where the operator's watermark, held back by other splits or partitions, has not
    /// yet: whether a row is a duplicate then does not depend on how far those were.
    public func process(_ batch: Batch, rows: [Int32]?, input: Int, origin: EventTime, into out: inout OperatorOutput) {
        if batch.isRetraction {
            if let rows { out.emit(batch, rows: rows) } else { out.emit(batch) }
            return
        }
        if origin > watermark { liveFrom = firstLiveBucket(at: origin) }
        defer { liveFrom = nil }
        process(batch, rows: rows, into: &out)
    }

    /// Reads the partition's rows in place and passes the survivors on as a selection of
    /// the same batch: no column is copied here.
    public func process(_ batch: Batch, rows: [Int32], input: Int, into out: inout OperatorOutput) {
        if batch.isRetraction { return out.emit(batch, rows: rows) }
        process(batch, rows: rows, into: &out)
    }

    private func process(_ batch: Batch, rows: [Int32]?, into out: inout OperatorOutput) {
        let count = rows?.count ?? batch.count
        counters.rowsIn += Int64(count)
        guard count > 0 else { return }
        let indices = rows ?? (0..<Int32(count)).map { $0 }
        let ids = batch.columns[idColumn]
        let times = batch.columns[timeColumn]
        let width = bucketWidth
        let isString = ids.type == .string
        let fingerprinted = ids.isFingerprinted
        // Ids are unique per event, so each row's string is hashed where it stands; only a
        // dictionary much smaller than the rows (ids repeating within the batch) is worth
        // a per-entry cache.
        let cached = isString && !fingerprinted && ids.dictionary.count * 2 <= count
        var hashes = cached ? [(UInt64, UInt64)?](repeating: nil, count: ids.dictionary.count) : []
        let byteWise = isString && byteWiseUntil != .min && byteWiseUntil >= memory.firstLiveBucket
        let probes = [DedupeProbe](unsafeUninitializedCapacity: count) { probe, initialized in
            for j in 0..<count {
                let row = Int(indices[j])
                guard ids.isValid(row), times.isValid(row) else {
                    probe.initializeElement(at: j, to: DedupeProbe(w0: 0, w1: 0, bucket: 0, passes: true))
                    continue
                }
                let words: (UInt64, UInt64)
                if fingerprinted {
                    let fingerprint = ids.fingerprints[row]
                    words = (fingerprint.w0, fingerprint.w1)
                } else if isString {
                    let code = Int(ids.codes[row])
                    if cached {
                        if let known = hashes[code] {
                            words = known
                        } else {
                            words = DedupeFingerprint.of(ids.dictionary[code])
                            hashes[code] = words
                        }
                    } else {
                        words = DedupeFingerprint.of(ids.dictionary[code])
                    }
                } else {
                    words = (UInt64(bitPattern: ids.ints[row]), 0)
                }
                let bucket = JoinTimeMath.floorDiv(times.ints[row], width)
                probe.initializeElement(at: j, to: DedupeProbe(w0: words.0, w1: words.1, bucket: bucket, passes: false))
            }
            initialized = count
        }
        if let time = Self.typicalTime(times, indices) {
            earliestTypicalTime = min(earliestTypicalTime, time)
            latestTypicalTime = max(latestTypicalTime, time)
        }
        guard byteWise else {
            return emit(batch, indices, isDuplicate: memory.checkAndRemember(probes, liveFrom: liveFrom), into: &out)
        }
        // An id known from before version 4 is a duplicate without being remembered anew
        // (judged by the operator's watermark alone, not the batch's origin).
        var rest = probes
        var knownByteWise = [Bool](repeating: false, count: count)
        byteWiseLookups += count
        var strings: [String?] = []
        if fingerprinted {
            guard let records = batch.records else {
                preconditionFailure("an id column in fingerprint form without the records it came from")
            }
            // Only rows with an id are looked up: nulls pass.
            let looked = (0..<count).filter { !probes[$0].passes }
            let found = idReader.strings(of: records, rows: looked.map { indices[$0] })
            strings = [String?](repeating: nil, count: count)
            for (k, j) in looked.enumerated() { strings[j] = found[k] }
        }
        for j in 0..<count where !probes[j].passes {
            guard let id = fingerprinted ? strings[j] : ids.dictionary[Int(ids.codes[Int(indices[j])])] else { continue }
            let (w0, w1) = DedupeFingerprint.byteWise(id)
            if memory.isRemembered(w0, w1) {
                knownByteWise[j] = true
                rest[j].passes = true
            }
        }
        let isDuplicate = memory.checkAndRemember(rest, liveFrom: liveFrom)
        emit(batch, indices, isDuplicate: (0..<count).map { isDuplicate[$0] || knownByteWise[$0] }, into: &out)
    }

    /// Passes the first occurrences on port 0 and the duplicates on port 1.
    private func emit(_ batch: Batch, _ indices: [Int32], isDuplicate: [Bool], into out: inout OperatorOutput) {
        let count = indices.count
        var firsts: [Int32] = []
        var duplicates: [Int32] = []
        firsts.reserveCapacity(count)
        for j in 0..<count {
            if isDuplicate[j] { duplicates.append(indices[j]) } else { firsts.append(indices[j]) }
        }
        counters.duplicates += Int64(duplicates.count)
        counters.rowsOut += Int64(firsts.count)
        // Selections, not copies: the next step (usually a filter) reads them in place.
        out.emit(batch, rows: firsts)
        out.emit(batch, rows: duplicates, port: 1)
    }

    /// Sizes the memory for the ids the rest of a bounded input will bring, so the table
    /// is built about once instead of grown step by step (each step copies a segment;
    /// the table was copied about twice in all). The ids remembered so far are scaled to
    /// the whole input, but capped at what the horizon holds at the event-time density
    /// seen. Only while nothing seen can have been forgotten yet: from then on the table
    /// follows the live ids (and a purge's shrinking is not undone at the next tick).
    /// `fraction` is the mean over the job's splits, not this operator's exact share; the
    /// caps bound what a skewed one costs.
    public func inputRead(fraction: Double) {
        guard fraction >= 0.01, fraction < 1, watermark != .endOfTime, latestTypicalTime > earliestTypicalTime,
            firstLiveBucket(at: watermark) <= JoinTimeMath.floorDiv(earliestTypicalTime, bucketWidth)
        else { return }
        let ids = Double(memory.liveCount)
        let wholeInput = ids / fraction
        let span = Double(latestTypicalTime) - Double(earliestTypicalTime)
        let withinHorizon = ids * (Double(horizon) + Double(bucketWidth)) / span
        memory.reserve(forEntries: Int(min(wholeInput, withinHorizon) * 1.05))
    }

    /// The middle of five event times spread over the rows (nil when fewer than five are
    /// valid): the batch's time, unmoved by a stray late or early event, which the
    /// smallest and largest time would be.
    private static func typicalTime(_ times: Column, _ indices: [Int32]) -> Int64? {
        guard indices.count >= 5 else { return nil }
        var sample = InlineArray<5, Int64>(repeating: 0)
        for k in 0..<5 {
            let row = Int(indices[(2 * k + 1) * indices.count / 10])
            guard times.isValid(row) else { return nil }
            // Insertion sort of five: no allocation per batch.
            var i = k
            let time = times.ints[row]
            while i > 0 && sample[i - 1] > time {
                sample[i] = sample[i - 1]
                i -= 1
            }
            sample[i] = time
        }
        return sample[2]
    }

    public func advanceWatermark(to newWatermark: EventTime, into out: inout OperatorOutput) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        if newWatermark == .endOfTime {
            // Every id is forgotten: drop the table whole rather than purge it slot by
            // slot (a pass over all of memory at the end of every bounded input).
            memory = DedupeMemory()
            memory.setFirstLiveBucket(firstLiveBucket(at: newWatermark))
            byteWiseUntil = .min
            return
        }
        memory.forget(before: firstLiveBucket(at: newWatermark))
        if byteWiseUntil < memory.firstLiveBucket { byteWiseUntil = .min }
    }

    /// Buckets before this one lie entirely before `watermark − horizon`.
    private func firstLiveBucket(at watermark: EventTime) -> Int64 {
        watermark == .beginningOfTime
            ? .min : JoinTimeMath.floorDiv(JoinTimeMath.subtracting(watermark, horizon), bucketWidth)
    }

    /// Writes the horizon, the watermark, the newest bucket of ids fingerprinted byte-wise
    /// (`byteWiseUntil`) and the remembered ids by segment: per segment
    /// (the ids remembered in one bucket between two snapshots; buckets ascending), its
    /// bucket, its id count and its ids' two words (`DedupeIdOrder`), 16 bytes per id. Then
    /// closes the segments, so the next snapshot repeats these bytes for every segment
    /// still live (but one an id moved out of) and only appends the new ones (and drops
    /// forgotten ones from the front): a checkpoint store that keeps content-defined parts (`CheckpointManifest`)
    /// writes only the change. Equal histories (ids and snapshot points) give equal bytes.
    public func snapshot(into writer: inout SnapshotWriter) {
        writer.beginSection("dedupe", version: 4)
        writer.write(horizon)
        writer.write(watermark)
        writer.write(byteWiseUntil)
        memory.writeSegments(into: &writer)
        memory.seal()
    }

    /// Restores version 4, 3 (all ids fingerprinted byte-wise), 2 (one group per bucket,
    /// read as one segment each) or 1 (one record per id: both fingerprint words and the
    /// bucket; the tag bits of the second word are dropped), each group into a sealed
    /// segment of its own.
    public func restore(from reader: inout SnapshotReader) throws {
        let version = try reader.expectSection("dedupe", maxVersion: 4)
        let savedHorizon = try reader.readInt64()
        guard savedHorizon == horizon else {
            throw SluiceError(.corruptSnapshot, "de-duplication snapshot has horizon \(savedHorizon) ms, the operator \(horizon) ms")
        }
        let savedWatermark = try reader.readInt64()
        let savedByteWiseUntil = version >= 4 ? try reader.readInt64() : nil
        var groups: [(bucket: Int64?, entries: [(w0: UInt64, w1: UInt64, bucket: Int64)])] = []
        var total = 0
        if version >= 2 {
            let count = try reader.readInt()
            guard count >= 0, count <= (reader.bytes.count - reader.offset) / 16 else {
                throw SluiceError(.corruptSnapshot, "de-duplication snapshot claims \(count) segments")
            }
            for _ in 0..<count {
                let bucket = try reader.readInt64()
                let ids = try reader.readInt()
                guard ids >= 0, ids <= (reader.bytes.count - reader.offset) / 16 else {
                    throw SluiceError(.corruptSnapshot, "de-duplication snapshot claims \(ids) ids in a segment")
                }
                groups.append((bucket, try (0..<ids).map { _ in (try reader.readUInt64(), try reader.readUInt64(), bucket) }))
                total += ids
            }
        } else {
            let count = try reader.readInt()
            guard count >= 0, count <= (reader.bytes.count - reader.offset) / 24 else {
                throw SluiceError(.corruptSnapshot, "de-duplication snapshot claims \(count) ids")
            }
            groups.append((nil, try (0..<count).map { _ in (try reader.readUInt64(), try reader.readUInt64(), try reader.readInt64()) }))
            total = count
        }
        watermark = savedWatermark
        memory = DedupeMemory(expectedEntries: total)
        memory.setFirstLiveBucket(firstLiveBucket(at: savedWatermark))
        for group in groups {
            for entry in group.entries { _ = memory.checkAndRemember(entry.w0, entry.w1, bucket: entry.bucket) }
            memory.seal()
        }
        // Before version 4 every id was fingerprinted byte-wise: all of them, up to the
        // newest bucket, are looked up that way too until forgotten.
        let restoredByteWise = groups.lazy.flatMap(\.entries).map(\.bucket).max() ?? .min
        byteWiseUntil = savedByteWiseUntil ?? restoredByteWise
        if byteWiseUntil < memory.firstLiveBucket || memory.liveCount == 0 { byteWiseUntil = .min }
    }
}
