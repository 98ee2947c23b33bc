import SluiceCore

/// What every grouping engine of `KeyedAggregateOperator` shares: the compiled
/// aggregates, key encoding with the partition's interner, event time, watermark,
/// counters and the processing-time gate for partial results.
struct AggregationContext {
    let plan: AggregatePlan
    let encoder: KeyEncoder
    /// The event-time column of the input.
    let timeColumn: Int
    /// Port 0 rows: keys, [window_start, window_end], aggregates, [is_final].
    let outputSchema: Schema
    /// Whether rows carry `window_start`, `window_end` and `is_final`.
    let windowed: Bool
    let allowedLateness: Int64
    let partialEvery: Int64?

    var interner = StringInterner()
    /// The interned strings' snapshot forms, kept between snapshots (a fresh context, as
    /// after a restore, gets fresh forms along with its fresh interner).
    let encodedStrings = EncodedStrings()
    /// Slot numbers in order, for writing and emitting whole tables.
    let slotsInOrder = SlotsInOrder()
    private var keyWordEncoder: KeyWordEncoder
    /// The hashes of string arguments' dictionaries (`count_distinct`), by argument number:
    /// a decoder's settled dictionary comes back batch after batch, and hashing all of it
    /// per batch (1,000 agent ids for a few hundred rows) was 2.7 % of pattern-effectiveness.
    private var argumentHashes = DictionaryHashes<Int>()
    /// Scratch: the encoded keys of the current batch, `encoder.width` words per row.
    var keyWords: [UInt64] = []
    /// Scratch: each row's key hash (`KeyTable.hashKeys`), for batch look-ups.
    var keyHashes: [UInt64] = []
    var counters = OperatorCounters()
    /// The partition watermark as of the last `advanceWatermark` (before this batch).
    var watermark: EventTime = .beginningOfTime
    /// The watermark the batch in hand came behind from its source split (`StreamOperator`'s
    /// `process(_:rows:input:origin:into:)`; the start of time otherwise).
    var origin: EventTime = .beginningOfTime
    /// What tumbling windows judge the batch in hand's rows late against: the watermark
    /// their own split had sent before them, so that whether a row is late does not depend
    /// on how far other splits or partitions were when it arrived. It is never below
    /// `watermark`, so a row that is not late always finds its window's state still kept.
    /// (Sliding windows and sessions judge against `watermark`: see `PaneEngine.isExpired`
    /// and `SessionEngine.place`.)
    var lateBound: EventTime { Swift.max(watermark, origin) }
    /// Processing time of the last partial emission.
    var lastPartialTick: Int64?
    /// The latest processing time seen by `tick` (what `now()` in an argument reads).
    var processingTime: Int64 = 0

    init(
        plan: AggregatePlan, encoder: KeyEncoder, timeColumn: Int, outputSchema: Schema, windowed: Bool,
        allowedLateness: Int64, partialEvery: Int64?
    ) {
        self.plan = plan
        self.encoder = encoder
        self.timeColumn = timeColumn
        self.outputSchema = outputSchema
        self.windowed = windowed
        self.allowedLateness = allowedLateness
        self.partialEvery = partialEvery
        keyWordEncoder = KeyWordEncoder(encoder)
    }

    /// Encodes the batch's keys into `keyWords` and hashes them into `keyHashes`, indexed
    /// by row — or, with `rows`, only those rows, indexed by their position in `rows`.
    mutating func encodeKeys(_ batch: Batch, rows: [Int32]? = nil) {
        keyWordEncoder.encode(batch, rows: rows, interner: &interner, into: &keyWords)
        KeyTable.hashKeys(keyWords, width: encoder.width, into: &keyHashes)
    }

    /// Evaluates every distinct argument once for the batch, with the dictionary
    /// translations its accumulators need.
    mutating func prepareArguments(_ batch: Batch) -> [PreparedArgument] {
        let evaluation = EvaluationContext(nowMillis: processingTime)
        return plan.arguments.enumerated().map { index, argument in
            let column = argument.expression.evaluate(batch, context: evaluation)
            var prepared = PreparedArgument(
                column: column, hasNulls: argument.expression.nullable && column.validity != nil)
            if column.type == .string {
                if argument.keepsStrings { prepared.internedCodes = interner.codes(for: column.dictionary) }
                // `DictionaryHashes` hashes with `StableHash.hash`, which is `ValueHash.string`:
                // the hashes distinct sets keep in snapshots.
                if argument.hashesStrings { prepared.stringHashes = argumentHashes.of(column.dictionary, for: index) }
            }
            return prepared
        }
    }

    /// Folds updates (`rows[j]` → `slots[j]`) into `accumulators`, skipping null arguments.
    func accumulate(
        _ accumulators: [any Accumulator], rows: [Int32], slots: [Int32], arguments: [PreparedArgument],
        times: [Int64]
    ) {
        var nonNull: [(rows: [Int32], slots: [Int32])?] = Array(repeating: nil, count: arguments.count)
        let strings = interner.strings
        for (i, accumulator) in accumulators.enumerated() {
            var input = AccumulatorInput(rows: rows, slots: slots, argument: nil, times: times, strings: strings)
            if let a = plan.accumulations[i].argument {
                let argument = arguments[a]
                input.argument = argument
                if argument.hasNulls {
                    if nonNull[a] == nil { nonNull[a] = Self.withoutNulls(rows: rows, slots: slots, argument.column) }
                    input.rows = nonNull[a]!.rows
                    input.slots = nonNull[a]!.slots
                }
            }
            accumulator.add(input)
        }
    }

    private static func withoutNulls(rows: [Int32], slots: [Int32], _ column: Column) -> (rows: [Int32], slots: [Int32]) {
        guard let validity = column.validity else { return (rows, slots) }
        var keptRows: [Int32] = []
        var keptSlots: [Int32] = []
        keptRows.reserveCapacity(rows.count)
        keptSlots.reserveCapacity(rows.count)
        for j in 0..<rows.count where validity[Int(rows[j])] {
            keptRows.append(rows[j])
            keptSlots.append(slots[j])
        }
        return (keptRows, keptSlots)
    }

    /// Sends the rows of `batch` at `rows` to the late output (port 1) and counts them.
    /// After an assignment pass (`RowAssignment` flags: bit 0 placed, bit 1 updated a fired
    /// window): counts the late updates and returns the rows placed nowhere — the late ones.
    mutating func countLateUpdatesAndCollectLate(flags: [UInt8], selection: [Int32]?) -> [Int32] {
        var late: [Int32] = []
        var lateUpdates: Int64 = 0
        func look(_ r: Int) {
            if flags[r] & 1 == 0 { late.append(Int32(truncatingIfNeeded: r)) }
            if flags[r] & 2 != 0 { lateUpdates += 1 }
        }
        if let selection {
            for r in selection { look(Int(r)) }
        } else {
            for r in flags.indices { look(r) }
        }
        counters.lateUpdates += lateUpdates
        return late
    }

    mutating func emitLate(_ batch: Batch, rows: [Int32], into out: inout OperatorOutput) {
        guard !rows.isEmpty else { return }
        counters.late += Int64(rows.count)
        out.emit(rows.count == batch.count ? batch : batch.gather(rows), port: 1)
    }

    /// Emits the rows collected in `emitter` on port 0.
    mutating func emit(_ emitter: RowEmitter, into out: inout OperatorOutput) {
        guard emitter.count > 0 else { return }
        counters.rowsOut += Int64(emitter.count)
        out.emit(emitter.finish(schema: outputSchema), port: 0)
    }

    /// Emits the retractions collected in `emitter` (a retraction emitter) on port 0, ahead
    /// of the rows that replace them. They are not counted as output rows.
    func emitRetractions(_ emitter: RowEmitter, into out: inout OperatorOutput) {
        guard emitter.count > 0 else { return }
        out.emit(emitter.finish(schema: outputSchema), port: 0)
    }

    /// Whether partial rows may go out at processing time `now`: partial results are on
    /// and the last partial emission is at least one interval ago.
    mutating func partialDue(now: Int64) -> Bool {
        processingTime = Swift.max(processingTime, now)
        guard let every = partialEvery else { return false }
        if let last = lastPartialTick, now - last < every { return false }
        return true
    }

    /// Emits partial rows collected at processing time `now`; only a non-empty emission
    /// starts a new interval, so the first change after a quiet spell goes out at the next
    /// tick.
    mutating func emitPartial(_ emitter: RowEmitter, now: Int64, into out: inout OperatorOutput) {
        guard emitter.count > 0 else { return }
        lastPartialTick = now
        emit(emitter, into: &out)
    }

    /// The batch rows whose event time is null: they cannot be placed in time and go to
    /// the late output.
    static func rowsWithoutTime(_ time: Column) -> [Int32] {
        guard let validity = time.validity else { return [] }
        return validity.indices.compactMap { validity[$0] ? nil : Int32($0) }
    }
}
