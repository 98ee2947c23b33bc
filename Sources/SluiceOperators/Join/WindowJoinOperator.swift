public import SluiceCore

/// Joins two keyed streams on shared event-time windows (Flink's window join).
///
/// Input 0 is the left stream, input 1 the right. Windows are aligned to the epoch and
/// half-open: window `k` is `[k·slide, k·slide + size)` (tumbling when `slide == size`).
/// Every left and right row with equal keys that fall into the same window form one pair
/// for that window; with sliding windows a pair can be emitted once per shared window.
///
/// Pairs are emitted when the watermark reaches the window end (`watermark >= end`: no
/// on-time row can still fall into it), windows in order of start, and within a window
/// left rows in arrival order, each followed by its right rows in arrival order. The
/// window's rows are then released; a row is dropped once its last window has fired.
///
/// Output ports:
/// - 0: left fields prefixed `leftPrefix`, right fields prefixed `rightPrefix` (empty
///   prefix keeps the name), `window_start`, `window_end`, and `outputTimeField`
///   = `window_end − 1` (the last instant of the window, as Flink stamps window results).
/// - 1: late left rows, 2: late right rows (their input schemas): rows arriving when every
///   window they belong to has already fired, by the watermark or by the batch's origin
///   if that is larger (the watermark the rows' own split had sent before them). They are
///   counted in `counters.late`.
///   A row whose earlier windows have fired but later ones are open joins in the open ones.
///
/// Rows with a null key or time belong to no window and produce no output (inner join).
///
/// - Important: construct only from arguments `validate` accepted.
public final class WindowJoinOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public internal(set) var counters = OperatorCounters()

    let schemas: [Schema]
    let size: Int64
    let slide: Int64
    let layout: JoinOutputLayout
    var codec: JoinKeyCodec
    var table: KeyTable
    var sides: [WindowJoinSide]
    var panes: [WindowJoinPane] = []
    var paneIndex: [Int64: Int] = [:]
    var watermark: EventTime = .beginningOfTime
    /// The batch in hand's origin (`process(_:rows:input:origin:into:)`; the start of time
    /// otherwise): rows are late against the larger of it and `watermark`.
    private var origin: EventTime = .beginningOfTime
    var words: [UInt64] = []
    /// Per key slot: the first right entry of that key while a window fires, else -1.
    private var slotHeads: [Int32] = []

    /// The most windows one row may belong to (`size / slide`), bounding per-row work.
    public static let maxWindowsPerRow: Int64 = 1000

    /// Rows both sides hold that still belong to an open window.
    public var bufferedRows: (left: Int, right: Int) { (sides[0].store.liveCount, sides[1].store.liveCount) }
    /// Rows both sides keep in memory, including released rows not yet compacted away.
    public var retainedRows: (left: Int, right: Int) { (sides[0].store.count, sides[1].store.count) }
    /// Windows holding at least one row.
    public var openWindows: Int { panes.count }

    /// Builds the join; the arguments must have passed `validate`.
    /// - Parameters:
    ///   - windowSizeMillis: the window length.
    ///   - slideMillis: the distance between window starts; nil for tumbling windows.
    ///   - outputTimeField: the name of the output event-time column.
    public init(
        left: Schema, right: Schema, leftKeys: [String], rightKeys: [String], leftTime: String, rightTime: String,
        windowSizeMillis: Int64, slideMillis: Int64?, leftPrefix: String, rightPrefix: String,
        outputTimeField: String = "ts"
    ) {
        let errors = Self.validate(
            left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime, rightTime: rightTime,
            windowSizeMillis: windowSizeMillis, slideMillis: slideMillis, leftPrefix: leftPrefix,
            rightPrefix: rightPrefix, outputTimeField: outputTimeField)
        precondition(errors.isEmpty, "WindowJoinOperator built from an unvalidated spec: \(errors)")
        schemas = [left, right]
        size = windowSizeMillis
        slide = slideMillis ?? windowSizeMillis
        let schema = Self.outputSchema(
            left: left, right: right, leftPrefix: leftPrefix, rightPrefix: rightPrefix, outputTimeField: outputTimeField
        ).schema
        outputSchemas = [schema, left, right]
        layout = JoinOutputLayout(schema: schema, right: right)
        codec = JoinKeyCodec(schemas: [left, right], keys: [leftKeys, rightKeys], times: [leftTime, rightTime])
        table = KeyTable(width: codec.width)
        sides = [WindowJoinSide(schema: left), WindowJoinSide(schema: right)]
    }

    /// Load-time checks: key and time fields exist, key types agree pairwise, time fields
    /// are timestamps or ints, `0 < slide <= size`, at most `maxWindowsPerRow` windows per
    /// row, output names are distinct. Returns one message per problem.
    public static func validate(
        left: Schema, right: Schema, leftKeys: [String], rightKeys: [String], leftTime: String, rightTime: String,
        windowSizeMillis: Int64, slideMillis: Int64?, leftPrefix: String, rightPrefix: String,
        outputTimeField: String = "ts"
    ) -> [String] {
        var errors = JoinSchemas.validateInputs(
            left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime, rightTime: rightTime)
        let slide = slideMillis ?? windowSizeMillis
        if windowSizeMillis <= 0 {
            errors.append("window size must be positive, got \(windowSizeMillis) ms")
        } else if slide <= 0 || slide > windowSizeMillis {
            errors.append("window slide must be in 1...\(windowSizeMillis) ms (the size), got \(slide) ms")
        } else if (windowSizeMillis - 1) / slide + 1 > maxWindowsPerRow {
            errors.append("a \(windowSizeMillis) ms window sliding by \(slide) ms puts a row in more than \(maxWindowsPerRow) windows")
        }
        errors += outputSchema(
            left: left, right: right, leftPrefix: leftPrefix, rightPrefix: rightPrefix, outputTimeField: outputTimeField
        ).errors
        return errors
    }

    private static func outputSchema(
        left: Schema, right: Schema, leftPrefix: String, rightPrefix: String, outputTimeField: String
    ) -> (schema: Schema, errors: [String]) {
        JoinSchemas.outputSchema(
            left: left, right: right, leftPrefix: leftPrefix, rightPrefix: rightPrefix, rightNullable: false,
            extra: [
                Field("window_start", .timestamp, nullable: false), Field("window_end", .timestamp, nullable: false),
                Field(outputTimeField, .timestamp, nullable: false),
            ])
    }

    /// The first window index whose end is after `watermark` (still open).
    private func firstOpenWindow(at watermark: EventTime) -> Int64 {
        JoinTimeMath.floorDiv(JoinTimeMath.subtracting(watermark, size), slide) + 1
    }

    private func windowStart(_ k: Int64) -> Int64 {
        let (start, overflow) = k.multipliedReportingOverflow(by: slide)
        return overflow ? (k < 0 ? .min : .max) : start
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        precondition(input == 0 || input == 1, "a window join has inputs 0 (left) and 1 (right)")
        // Retractions name rows of an upstream view; a join buffers events, so it ignores them.
        guard !batch.isRetraction else { return }
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let late = insert(batch, side: input)
        if !late.isEmpty {
            counters.late += Int64(late.count)
            out.emit(batch.gather(late), port: 1 + input)
        }
    }

    public func process(_ batch: Batch, rows: [Int32]?, input: Int, origin: EventTime, into out: inout OperatorOutput) {
        self.origin = origin
        defer { self.origin = .beginningOfTime }
        process(rows.map { batch.gather($0) } ?? batch, input: input, into: &out)
    }

    /// Buffers the rows of `batch` into their open windows; returns the late rows.
    private func insert(_ batch: Batch, side: Int) -> [Int32] {
        codec.encode(batch, side: side, into: &words)
        let (times, joinable) = codec.times(batch, side: side)
        // Late by the rows' own split, so that it does not depend on other splits' progress
        // (ENGINE.md, Time). The origin may be below `watermark` (behind an idle split, or
        // after a restore), hence the larger: a row never joins a window that has fired.
        let firstOpen = firstOpenWindow(at: max(watermark, origin))
        let width = codec.width
        var late: [Int32] = []
        var rows: [Int32] = []
        var slots: [Int32] = []
        var firstWindows: [Int64] = []
        var lastWindows: [Int64] = []
        words.withUnsafeBufferPointer { allWords in
            for i in 0..<batch.count {
                if let joinable, !joinable[i] { continue }
                let t = times[i]
                let last = JoinTimeMath.floorDiv(t, slide)
                let first = max(JoinTimeMath.floorDiv(JoinTimeMath.subtracting(t, size), slide) + 1, firstOpen)
                guard first <= last else {
                    late.append(Int32(i))
                    continue
                }
                let key = UnsafeBufferPointer(rebasing: allWords[(i * width)..<((i + 1) * width)])
                rows.append(Int32(i))
                slots.append(table.findOrInsert(key).slot)
                firstWindows.append(first)
                lastWindows.append(last)
            }
        }
        guard !rows.isEmpty else { return late }
        let references = zip(firstWindows, lastWindows).map { Int32($1 - $0 + 1) }
        let base = sides[side].add(batch, rows: rows, slots: slots, references: references)
        var cachedStart = Int64.min
        var cachedPane = -1
        for k in 0..<rows.count {
            let row = base + Int32(k)
            for window in firstWindows[k]...lastWindows[k] {
                let start = windowStart(window)
                if start != cachedStart {
                    cachedStart = start
                    cachedPane = pane(startingAt: start)
                }
                panes[cachedPane].rows[side].append(row)
            }
        }
        return late
    }

    private func pane(startingAt start: Int64) -> Int {
        if let index = paneIndex[start] { return index }
        panes.append(WindowJoinPane(start: start))
        paneIndex[start] = panes.count - 1
        return panes.count - 1
    }

    public func advanceWatermark(to newWatermark: EventTime, into out: inout OperatorOutput) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        let due = panes.indices
            .filter { JoinTimeMath.adding(panes[$0].start, size) <= newWatermark }
            .sorted { panes[$0].start < panes[$1].start }
        guard !due.isEmpty else { return }

        var leftRows: [Int32] = []
        var rightRows: [Int32] = []
        var starts: [Int64] = []
        for index in due {
            let pane = panes[index]
            let before = leftRows.count
            pairs(in: pane, left: &leftRows, right: &rightRows)
            starts.append(contentsOf: repeatElement(pane.start, count: leftRows.count - before))
            for row in pane.rows[0] { sides[0].release(row) }
            for row in pane.rows[1] { sides[1].release(row) }
        }
        let fired = Set(due)
        panes = panes.indices.filter { !fired.contains($0) }.map { panes[$0] }
        paneIndex = Dictionary(uniqueKeysWithValues: panes.enumerated().map { ($1.start, $0) })

        if !leftRows.isEmpty {
            let ends = starts.map { JoinTimeMath.adding($0, size) }
            let extra = [
                Column(ints: starts, type: .timestamp), Column(ints: ends, type: .timestamp),
                Column(ints: ends.map { $0 - 1 }, type: .timestamp),
            ]
            let batch = layout.batch(
                left: sides[0].store.gather(leftRows), right: sides[1].store.gather(rightRows), extra: extra,
                count: leftRows.count)
            counters.rowsOut += Int64(batch.count)
            out.emit(batch)
        }
        if JoinRowStore.worthRebuilding(sides[0].store, sides[1].store) { rebuildFromLiveRows() }
    }

    /// Appends the (left row, right row) pairs of one window: left rows in arrival order,
    /// each with its key's right rows in arrival order.
    private func pairs(in pane: WindowJoinPane, left: inout [Int32], right: inout [Int32]) {
        let rights = pane.rows[1]
        guard !pane.rows[0].isEmpty, !rights.isEmpty else { return }
        if slotHeads.count < table.count {
            slotHeads.append(contentsOf: repeatElement(-1, count: table.count - slotHeads.count))
        }
        let leftSlots = sides[0].slots
        let rightSlots = sides[1].slots
        var nextEntry = [Int32](repeating: -1, count: rights.count)
        slotHeads.withUnsafeMutableBufferPointer { heads in
            // Chain right entries per key slot, pushing from the back so chains run forwards.
            for entry in stride(from: rights.count - 1, through: 0, by: -1) {
                let slot = Int(rightSlots[Int(rights[entry])])
                nextEntry[entry] = heads[slot]
                heads[slot] = Int32(entry)
            }
            for row in pane.rows[0] {
                var entry = heads[Int(leftSlots[Int(row)])]
                while entry >= 0 {
                    left.append(row)
                    right.append(rights[Int(entry)])
                    entry = nextEntry[Int(entry)]
                }
            }
            for row in rights { heads[Int(rightSlots[Int(row)])] = -1 }
        }
    }
}
