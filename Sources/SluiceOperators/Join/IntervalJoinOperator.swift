public import SluiceCore

/// Joins two keyed streams on an event-time interval (Flink's interval join).
///
/// Input 0 is the left stream, input 1 the right. A left row `l` and a right row `r` with
/// equal keys join when `l.ts + lower <= r.ts <= l.ts + upper` (both bounds inclusive).
/// Each pair is emitted once, by the `process` call of whichever row arrives second.
///
/// Output (port 0): every left field prefixed with `leftPrefix`, every right field prefixed
/// with `rightPrefix` (an empty prefix keeps the name), then `outputTimeField` (timestamp):
/// - for a pair, the later of the two event times, so a pair is never older than the row
///   that completed it;
/// - for an unmatched left row (`emitUnmatchedLeft`), `l.ts + upper`: the moment the
///   bound ran out. It is emitted when the watermark passes that time, so the row is not
///   behind the watermark downstream operators had before this one advanced.
///
/// State is bounded by the watermark (the minimum of both inputs): a left row is dropped
/// once `watermark > l.ts + upper` (no future right row can match it) and a right row once
/// `watermark > r.ts − lower`. With `emitUnmatchedLeft`, a left row dropped without ever
/// having matched is emitted exactly once with null right fields (left outer join); the
/// rows one watermark step drops are emitted in arrival order. Rows with a null key or
/// time never match; such left rows are emitted as unmatched at once when
/// `emitUnmatchedLeft` is set (with a null output time when their time is null).
///
/// Late rows: a row that arrives behind the watermark still probes the other side's
/// buffer and joins with every row still buffered there; it is buffered itself only while
/// a row at or after the watermark could still match it. A left row that is already past
/// its bound on arrival and finds no match is emitted as unmatched immediately.
///
/// Cost: each arriving row walks the buffered rows of its own key on the other side.
/// Dropped rows are compacted away (with the key table and string codes) once they
/// outnumber the live ones, so memory stays within about twice the live state.
///
/// - Important: construct only from arguments `validate` accepted.
public final class IntervalJoinOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public internal(set) var counters = OperatorCounters()

    let schemas: [Schema]
    let lower: Int64
    let upper: Int64
    let emitUnmatchedLeft: Bool
    let leftTimeColumn: Int
    let layout: JoinOutputLayout
    var codec: JoinKeyCodec
    var table: KeyTable
    var sides: [IntervalJoinSide]
    var watermark: EventTime = .beginningOfTime
    var words: [UInt64] = []

    /// Rows both sides hold that can still join.
    public var bufferedRows: (left: Int, right: Int) { (sides[0].store.liveCount, sides[1].store.liveCount) }
    /// Rows both sides keep in memory, including dropped rows not yet compacted away.
    public var retainedRows: (left: Int, right: Int) { (sides[0].store.count, sides[1].store.count) }

    /// Builds the join; the arguments must have passed `validate`.
    /// - Parameters:
    ///   - lowerMillis: `r.ts - l.ts` must be at least this (may be negative).
    ///   - upperMillis: `r.ts - l.ts` must be at most this.
    ///   - emitUnmatchedLeft: also emit left rows that never joined (left outer join).
    ///   - outputTimeField: the name of the output event-time column.
    public init(
        left: Schema, right: Schema, leftKeys: [String], rightKeys: [String], leftTime: String, rightTime: String,
        lowerMillis: Int64, upperMillis: Int64, leftPrefix: String, rightPrefix: String, emitUnmatchedLeft: Bool,
        outputTimeField: String = "ts"
    ) {
        let errors = Self.validate(
            left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime, rightTime: rightTime,
            lowerMillis: lowerMillis, upperMillis: upperMillis, leftPrefix: leftPrefix, rightPrefix: rightPrefix,
            emitUnmatchedLeft: emitUnmatchedLeft, outputTimeField: outputTimeField)
        precondition(errors.isEmpty, "IntervalJoinOperator built from an unvalidated spec: \(errors)")
        schemas = [left, right]
        lower = lowerMillis
        upper = upperMillis
        self.emitUnmatchedLeft = emitUnmatchedLeft
        leftTimeColumn = left.index(of: leftTime)!
        let timeNullable = emitUnmatchedLeft && left[leftTimeColumn].nullable
        let schema = JoinSchemas.outputSchema(
            left: left, right: right, leftPrefix: leftPrefix, rightPrefix: rightPrefix, rightNullable: emitUnmatchedLeft,
            extra: [Field(outputTimeField, .timestamp, nullable: timeNullable)]
        ).schema
        outputSchemas = [schema]
        layout = JoinOutputLayout(schema: schema, right: right)
        codec = JoinKeyCodec(schemas: [left, right], keys: [leftKeys, rightKeys], times: [leftTime, rightTime])
        table = KeyTable(width: codec.width)
        sides = [IntervalJoinSide(schema: left), IntervalJoinSide(schema: right)]
    }

    /// Load-time checks: key and time fields exist, key types agree pairwise, time fields
    /// are timestamps or ints, `lowerMillis <= upperMillis`, output names are distinct.
    /// Returns one message per problem; empty means the arguments are valid.
    public static func validate(
        left: Schema, right: Schema, leftKeys: [String], rightKeys: [String], leftTime: String, rightTime: String,
        lowerMillis: Int64, upperMillis: Int64, leftPrefix: String, rightPrefix: String, emitUnmatchedLeft: Bool,
        outputTimeField: String = "ts"
    ) -> [String] {
        var errors = JoinSchemas.validateInputs(
            left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime, rightTime: rightTime)
        if lowerMillis > upperMillis {
            errors.append("interval lower bound \(lowerMillis) ms is above the upper bound \(upperMillis) ms")
        }
        errors += JoinSchemas.outputSchema(
            left: left, right: right, leftPrefix: leftPrefix, rightPrefix: rightPrefix, rightNullable: emitUnmatchedLeft,
            extra: [Field(outputTimeField, .timestamp)]
        ).errors
        return errors
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        precondition(input == 0 || input == 1, "an interval join has inputs 0 (left) and 1 (right)")
        // Retractions name rows of an upstream view; a join buffers events, so it ignores them.
        guard !batch.isRetraction else { return }
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let side = input
        let other = 1 - side
        codec.encode(batch, side: side, into: &words)
        let (times, joinable) = codec.times(batch, side: side)
        // Relative to the arriving row's time t: the range of the other side's times that
        // match it, and how long the row itself stays useful.
        let (probeLow, probeHigh) =
            side == 0 ? (lower, upper) : (JoinTimeMath.subtracting(0, upper), JoinTimeMath.subtracting(0, lower))
        let keep = side == 0 ? upper : JoinTimeMath.subtracting(0, lower)
        let emitsUnmatched = side == 0 && emitUnmatchedLeft

        var batchRows: [Int32] = []
        var storeRows: [Int32] = []
        var pairTimes: [Int64] = []
        var unmatched: [Int32] = []
        var newlyMatchedLeft: [Int32] = []
        var bufferRows: [Int32] = []
        var bufferSlots: [Int32] = []
        var bufferTimes: [Int64] = []
        var bufferExpiries: [Int64] = []
        var bufferMatched: [Bool] = []

        let otherTimes = sides[other].times
        let otherNext = sides[other].next
        let otherHead = sides[other].head
        let otherAlive = sides[other].store.alive
        let width = codec.width
        let watermark = self.watermark
        words.withUnsafeBufferPointer { allWords in
            for i in 0..<batch.count {
                if let joinable, !joinable[i] {
                    if emitsUnmatched { unmatched.append(Int32(i)) }
                    continue
                }
                let t = times[i]
                let key = UnsafeBufferPointer(rebasing: allWords[(i * width)..<((i + 1) * width)])
                let expiry = JoinTimeMath.adding(t, keep)
                let buffered = expiry >= watermark
                var slot: Int32 = -1
                if buffered {
                    slot = table.findOrInsert(key).slot
                } else if let found = table.find(key) {
                    slot = found
                }
                var found = false
                if slot >= 0, Int(slot) < otherHead.count {
                    let low = JoinTimeMath.adding(t, probeLow)
                    let high = JoinTimeMath.adding(t, probeHigh)
                    var row = otherHead[Int(slot)]
                    while row >= 0 {
                        let r = Int(row)
                        let otherTime = otherTimes[r]
                        if otherAlive[r], otherTime >= low, otherTime <= high {
                            batchRows.append(Int32(i))
                            storeRows.append(row)
                            pairTimes.append(max(t, otherTime))
                            if side == 1 { newlyMatchedLeft.append(row) }
                            found = true
                        }
                        row = otherNext[r]
                    }
                }
                if buffered {
                    bufferRows.append(Int32(i))
                    bufferSlots.append(slot)
                    bufferTimes.append(t)
                    bufferExpiries.append(expiry)
                    bufferMatched.append(found)
                } else if emitsUnmatched, !found {
                    unmatched.append(Int32(i))
                }
            }
        }
        sides[side].add(
            batch, rows: bufferRows, slots: bufferSlots, times: bufferTimes, expiries: bufferExpiries,
            matched: bufferMatched, slotCount: table.count)
        for row in newlyMatchedLeft { sides[0].matched[Int(row)] = true }

        if !batchRows.isEmpty {
            let fromBatch = batch.columns.map { $0.gather(batchRows) }
            let fromStore = sides[other].store.gather(storeRows)
            let (left, right) = side == 0 ? (fromBatch, fromStore) : (fromStore, fromBatch)
            let timeColumn = Column(ints: pairTimes, type: .timestamp)
            emit(layout.batch(left: left, right: right, extra: [timeColumn], count: batchRows.count), into: &out)
        }
        if !unmatched.isEmpty {
            let timeValidity = batch.columns[leftTimeColumn].validity
            let left = batch.columns.map { $0.gather(unmatched) }
            emitUnmatched(
                left: left, times: unmatched.map { times[Int($0)] },
                valid: timeValidity.map { v in unmatched.map { v[Int($0)] } }, into: &out)
        }
    }

    public func advanceWatermark(to newWatermark: EventTime, into out: inout OperatorOutput) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        var unmatched: [Int32] = []
        // At the end of input every row goes, even one whose bound saturated at Int64.max.
        let passes = { (time: Int64) in time < newWatermark || newWatermark == .endOfTime }
        while let time = sides[0].expiry.minTime, passes(time) {
            let row = sides[0].expiry.popMin().row
            sides[0].store.kill(row)
            if emitUnmatchedLeft, !sides[0].matched[Int(row)] { unmatched.append(row) }
        }
        while let time = sides[1].expiry.minTime, passes(time) {
            sides[1].store.kill(sides[1].expiry.popMin().row)
        }
        if !unmatched.isEmpty {
            unmatched.sort()
            let times = unmatched.map { sides[0].times[Int($0)] }
            emitUnmatched(left: sides[0].store.gather(unmatched), times: times, valid: nil, into: &out)
        }
        if JoinRowStore.worthRebuilding(sides[0].store, sides[1].store) { rebuildFromLiveRows() }
    }

    private func emit(_ batch: Batch, into out: inout OperatorOutput) {
        counters.rowsOut += Int64(batch.count)
        out.emit(batch)
    }

    /// Emits left rows with null right fields at `time + upper` (null where `valid` says so).
    private func emitUnmatched(left: [Column], times: [Int64], valid: [Bool]?, into out: inout OperatorOutput) {
        let outputTimes = times.map { JoinTimeMath.adding($0, upper) }
        let timeColumn = Column(ints: outputTimes, type: .timestamp, validity: valid.flatMap { $0.contains(false) ? $0 : nil })
        emit(layout.leftOnly(left: left, extra: [timeColumn], count: times.count), into: &out)
    }
}
