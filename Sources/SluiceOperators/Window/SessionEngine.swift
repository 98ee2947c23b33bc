import SluiceCore

/// Session windows: per key, events less than `gap` apart share a session
/// `[first ts, last ts + gap)`; an event within `gap` of two sessions merges them.
///
/// Rows are placed one by one (a row can create, extend or merge sessions), but their
/// aggregate updates are queued and folded in column-at-a-time; the queue is flushed
/// before any merge, so every session sees the same adds and merges, in row order, as a
/// row-at-a-time run would — whatever the batch boundaries.
///
/// A session whose end the watermark passes fires; it is kept until `end + allowed
/// lateness`, and a row reaching it in that time updates (and possibly extends or
/// reopens) it and re-emits it. A row whose own interval `[ts, ts + gap)` overlaps no kept
/// session and has `ts + gap + allowed lateness <= watermark` is late. Merging sessions
/// keeps the earliest session's `window_start`.
///
/// Retractions: a session's row is identified by its key and bounds, and those move (an
/// earlier row moves `window_start`, a later one `window_end`, a bridging row merges two
/// sessions). So that an upsert view keyed by the group keys and window bounds holds
/// exactly the current sessions, each session remembers the bounds of the row it last
/// emitted (final or partial). When it emits again with other bounds, a retraction of the
/// old row goes out just before the new row (same output, so the view never lacks the
/// session between them); when it is absorbed by a merge, the retraction of its row goes
/// out at the end of that batch (the merged row follows when the merged session next
/// emits: at once if it has fired, else at the next partial tick or when it fires).
struct SessionEngine: AggregationEngine {
    var context: AggregationContext
    let gap: Int64
    private var keys: KeyTable
    private var sessions = SessionStore()
    private var accumulators: [any Accumulator]
    /// Sessions changed since their row was last emitted.
    private var dirty = SlotBitmap()
    /// Unfired sessions by end (hints; see `TimerQueue`).
    private var fireTimers: TimerQueue
    /// Fired sessions by end + allowed lateness.
    private var purgeTimers: TimerQueue
    private var pendingRows: [Int32] = []
    private var pendingSessions: [Int32] = []
    /// Rows of sessions absorbed during the current batch, to retract at its end: key
    /// slot and the bounds the row was emitted with. Always empty between calls.
    private var absorbedRows: (keySlots: [Int32], starts: [Int64], ends: [Int64]) = ([], [], [])

    init(context: AggregationContext, gap: Int64) {
        self.context = context
        self.gap = gap
        keys = KeyTable(width: context.encoder.width)
        accumulators = context.plan.makeAccumulators()
        fireTimers = TimerQueue(granularity: gap / 4)
        purgeTimers = TimerQueue(granularity: gap / 4)
    }

    // MARK: Processing

    mutating func process(_ batch: Batch, selection: [Int32]?, into out: inout OperatorOutput) {
        // No in-place path here: the selected rows are gathered.
        if let selection { return process(batch.gather(selection), selection: nil, into: &out) }
        let n = batch.count
        guard n > 0 else { return }
        context.counters.rowsIn += Int64(n)
        context.encodeKeys(batch)
        let time = batch.columns[context.timeColumn]
        let arguments = context.prepareArguments(batch)
        let width = context.encoder.width
        let words = context.keyWords
        var late: [Int32] = []
        var firedTouched: [Int32] = []
        let validity = time.validity
        let times = time.ints
        words.withUnsafeBufferPointer { words in
            for r in 0..<n {
                if let validity, !validity[r] {
                    late.append(Int32(r))
                    continue
                }
                let key = UnsafeBufferPointer(start: words.baseAddress! + r * width, count: width)
                let (keySlot, inserted) = keys.findOrInsert(key)
                if inserted { sessions.addKeySlot() }
                let placed = place(row: r, time: times[r], keySlot: Int(keySlot), arguments: arguments, times: times)
                guard let session = placed else {
                    late.append(Int32(r))
                    continue
                }
                if sessions.fired[Int(session)] { firedTouched.append(session) }
            }
        }
        flushPending(arguments: arguments, times: times)
        context.emitLate(batch, rows: late, into: &out)
        let updated = Set(firedTouched).filter { sessions.live[Int($0)] && sessions.fired[Int($0)] }
        emit(Array(updated), isFinal: true, into: &out)
        for id in updated { dirty.remove(Int(id)) }
    }

    /// Puts row `r` at event time `t` into a session of `keySlot` (creating, extending or
    /// merging sessions); returns the session, or nil when the row is late.
    private mutating func place(
        row r: Int, time t: Int64, keySlot: Int, arguments: [PreparedArgument], times: [Int64]
    ) -> Int32? {
        let rowEnd = WindowMath.saturatingAdd(t, gap)
        let watermark = context.watermark
        // Sessions are sorted and disjoint: those overlapping [t, rowEnd) are contiguous.
        var previous: Int32 = -1
        var first: Int32 = -1
        var last: Int32 = -1
        var id = sessions.head[keySlot]
        while id >= 0 && sessions.start[Int(id)] < rowEnd {
            if t < sessions.end[Int(id)] {
                if first < 0 { first = id }
                last = id
            } else if first < 0 {
                previous = id
            }
            id = sessions.next[Int(id)]
        }

        let target: Int32
        var updatesFired: Bool
        if first < 0 {
            // Against the combined watermark, not the batch's origin: a row that merges into a
            // kept session is not judged at all, so judging only new ones by origin would
            // mix the two.
            if WindowMath.saturatingAdd(rowEnd, context.allowedLateness) <= watermark { return nil }
            let (created, reused) = sessions.create(keySlot: keySlot, start: t, end: rowEnd, after: previous)
            if reused { for accumulator in accumulators where Int(created) < accumulator.slotCount { accumulator.reset(Int(created)) } }
            target = created
            updatesFired = rowEnd <= watermark
            sessions.fired[Int(created)] = updatesFired
            if updatesFired {
                purgeTimers.push(WindowMath.saturatingAdd(rowEnd, context.allowedLateness), created)
            } else {
                fireTimers.push(rowEnd, created)
            }
        } else {
            target = first
            updatesFired = sessions.fired[Int(first)]
            let newEnd = Swift.max(sessions.end[Int(last)], rowEnd)
            if last != first {
                flushPending(arguments: arguments, times: times)
                let strings = context.interner.strings
                var absorbed = sessions.next[Int(first)]
                while true {
                    let following = sessions.next[Int(absorbed)]
                    updatesFired = updatesFired || sessions.fired[Int(absorbed)]
                    for accumulator in accumulators {
                        accumulator.merge(into: Int(first), from: accumulator, slot: Int(absorbed), strings: strings)
                    }
                    dirty.remove(Int(absorbed))
                    if sessions.emitted[Int(absorbed)] {
                        absorbedRows.keySlots.append(Int32(keySlot))
                        absorbedRows.starts.append(sessions.emittedStart[Int(absorbed)])
                        absorbedRows.ends.append(sessions.emittedEnd[Int(absorbed)])
                    }
                    sessions.remove(absorbed)
                    if absorbed == last { break }
                    absorbed = following
                }
            }
            sessions.setBounds(first, start: Swift.min(sessions.start[Int(first)], t), end: newEnd)
            if sessions.fired[Int(first)] && newEnd > watermark {
                // A late row pushed a fired session past the watermark: it is open again.
                sessions.fired[Int(first)] = false
                fireTimers.push(newEnd, first)
            }
        }
        if updatesFired { context.counters.lateUpdates += 1 }
        pendingRows.append(Int32(truncatingIfNeeded: r))
        pendingSessions.append(target)
        if context.partialEvery != nil || sessions.fired[Int(target)] { dirty.insert(Int(target)) }
        return target
    }

    private mutating func flushPending(arguments: [PreparedArgument], times: [Int64]) {
        guard !pendingRows.isEmpty else { return }
        for accumulator in accumulators { accumulator.ensureSlots(sessions.capacity) }
        context.accumulate(accumulators, rows: pendingRows, slots: pendingSessions, arguments: arguments, times: times)
        pendingRows.removeAll(keepingCapacity: true)
        pendingSessions.removeAll(keepingCapacity: true)
    }

    /// Emits the rows of sessions `ids`, preceded by the retractions they and the batch's
    /// merges call for.
    private mutating func emit(_ ids: [Int32], isFinal: Bool, into out: inout OperatorOutput) {
        let ordered = sessions.canonicalOrder(ids)
        retract(replacedBy: ordered, into: &out)
        context.emit(rows(of: ordered, isFinal: isFinal), into: &out)
        markEmitted(ordered)
    }

    /// Emits one retraction batch: the rows of sessions absorbed in this batch, then the
    /// last rows of sessions `ordered` (about to emit) whose bounds have changed since.
    private mutating func retract(replacedBy ordered: [Int32], into out: inout OperatorOutput) {
        var (keySlots, starts, ends) = absorbedRows
        absorbedRows = ([], [], [])
        for id in ordered {
            guard let stale = sessions.staleRow(id) else { continue }
            keySlots.append(sessions.key[Int(id)])
            starts.append(stale.start)
            ends.append(stale.end)
        }
        guard !keySlots.isEmpty else { return }
        var emitter = RowEmitter(context: context, retractions: true)
        emitter.appendRetractions(keys: keys, keySlots: keySlots, starts: starts, ends: ends, context: context)
        context.emitRetractions(emitter, into: &out)
    }

    private mutating func markEmitted(_ ids: [Int32]) {
        for id in ids { sessions.markEmitted(id, start: sessions.start[Int(id)], end: sessions.end[Int(id)]) }
    }

    /// The rows of sessions `ordered` (already in canonical order).
    private func rows(of ordered: [Int32], isFinal: Bool) -> RowEmitter {
        var emitter = RowEmitter(context: context)
        emitter.append(
            keys: keys, keySlots: ordered.map { sessions.key[Int($0)] }, accumulators: accumulators,
            stateSlots: ordered, starts: ordered.map { sessions.start[Int($0)] },
            ends: ordered.map { sessions.end[Int($0)] }, isFinal: isFinal, context: context)
        return emitter
    }

    // MARK: Time

    mutating func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        guard watermark > context.watermark else { return }
        context.watermark = watermark
        let lateness = context.allowedLateness
        var firing: [Int32] = []
        for timer in fireTimers.popDue(watermark) {
            let id = Int(timer.id)
            guard sessions.live[id], !sessions.fired[id] else { continue }
            if sessions.end[id] <= watermark {
                sessions.fired[id] = true
                firing.append(timer.id)
                purgeTimers.push(WindowMath.saturatingAdd(sessions.end[id], lateness), timer.id)
            } else {
                fireTimers.push(sessions.end[id], timer.id)
            }
        }
        emit(firing, isFinal: true, into: &out)
        for id in firing { dirty.remove(Int(id)) }

        for timer in purgeTimers.popDue(watermark) {
            let id = Int(timer.id)
            guard sessions.live[id], sessions.fired[id] else { continue }
            let expiry = WindowMath.saturatingAdd(sessions.end[id], lateness)
            if expiry <= watermark {
                dirty.remove(id)
                sessions.remove(timer.id)
            } else {
                purgeTimers.push(expiry, timer.id)
            }
        }
        compactKeysIfSparse()
    }

    mutating func tick(nowMillis: Int64, into out: inout OperatorOutput) {
        guard context.partialDue(now: nowMillis) else { return }
        let open = sessions.canonicalOrder(
            dirty.members.filter { sessions.live[Int($0)] && !sessions.fired[Int($0)] })
        dirty.removeAll()
        guard !open.isEmpty else { return }
        retract(replacedBy: open, into: &out)
        context.emitPartial(rows(of: open, isFinal: false), now: nowMillis, into: &out)
        markEmitted(open)
    }

    /// Keys whose sessions all expired still occupy the key table; once they are the
    /// majority, rebuild it with the live keys in their old order. Deterministic in the
    /// state, so a restored operator compacts at the same moments.
    private mutating func compactKeysIfSparse() {
        guard keys.count >= 1024, sessions.liveKeys * 2 < keys.count else { return }
        let remap = sessions.compactKeys()
        let width = keys.width
        var compacted = KeyTable(width: width, capacity: Swift.max(sessions.liveKeys, 1))
        keys.keys.withUnsafeBufferPointer { all in
            for slot in remap.indices where remap[slot] >= 0 {
                _ = compacted.findOrInsert(UnsafeBufferPointer(rebasing: all[(slot * width)..<((slot + 1) * width)]))
            }
        }
        keys = compacted
    }

    var stateBytes: Int {
        keys.memoryBytes + sessions.memoryBytes + dirty.memoryBytes + fireTimers.memoryBytes
            + purgeTimers.memoryBytes + accumulators.reduce(0) { $0 + $1.memoryBytes }
    }

    // MARK: Snapshot

    /// Keys (all slots, in order), then live sessions in canonical order with their
    /// states and the bounds of the row each last emitted. Timers are not written: they
    /// are rebuilt from the sessions.
    func writeState(into writer: inout SnapshotWriter) {
        GroupTableSnapshot.writeKeys(keys, into: &writer, context: context)
        let order = sessions.allLive
        writer.write(UInt64(order.count))
        for id in order.lazy.map({ Int($0) }) {
            writer.write(UInt32(sessions.key[id]))
            writer.write(sessions.start[id])
            writer.write(sessions.end[id])
            writer.write(sessions.fired[id])
            writer.write(dirty.contains(id))
            writer.write(sessions.emitted[id])
            writer.write(sessions.emitted[id] ? sessions.emittedStart[id] : 0)
            writer.write(sessions.emitted[id] ? sessions.emittedEnd[id] : 0)
        }
        for accumulator in accumulators {
            accumulator.write(slots: order, into: &writer, strings: context.interner.strings)
        }
    }

    mutating func readState(from reader: inout SnapshotReader, version: UInt32) throws {
        keys = try GroupTableSnapshot.readKeys(from: &reader, context: &context)
        sessions = SessionStore()
        for _ in 0..<keys.count { sessions.addKeySlot() }
        dirty = SlotBitmap()
        fireTimers.removeAll()
        purgeTimers.removeAll()
        pendingRows = []
        pendingSessions = []
        absorbedRows = ([], [], [])
        let remembersRows = version >= 3
        let count = try reader.readElementCount(minimumBytes: remembersRows ? 39 : 22)
        var tail = [Int32](repeating: -1, count: keys.count)
        for _ in 0..<count {
            let keySlot = Int(try reader.readUInt32())
            let start = try reader.readInt64()
            let end = try reader.readInt64()
            let fired = try reader.readBool()
            let isDirty = try reader.readBool()
            // Version 2 did not record emitted rows: fired sessions emitted their current
            // bounds; open ones did under partial results (a guess that can only cause a
            // retraction of a key the view lacks, which is harmless).
            var emitted = fired || context.partialEvery != nil
            var emittedStart = start
            var emittedEnd = end
            if remembersRows {
                emitted = try reader.readBool()
                emittedStart = try reader.readInt64()
                emittedEnd = try reader.readInt64()
            }
            guard keySlot < keys.count, start < end else {
                throw SluiceError(.corruptSnapshot, "session [\(start), \(end)) of key slot \(keySlot) is invalid")
            }
            if tail[keySlot] >= 0 && sessions.end[Int(tail[keySlot])] > start {
                throw SluiceError(.corruptSnapshot, "overlapping or unordered sessions in snapshot")
            }
            let (id, _) = sessions.create(keySlot: keySlot, start: start, end: end, after: tail[keySlot])
            tail[keySlot] = id
            sessions.fired[Int(id)] = fired
            if emitted { sessions.markEmitted(id, start: emittedStart, end: emittedEnd) }
            if isDirty { dirty.insert(Int(id)) }
            if fired {
                purgeTimers.push(WindowMath.saturatingAdd(end, context.allowedLateness), id)
            } else {
                fireTimers.push(end, id)
            }
        }
        accumulators = context.plan.makeAccumulators()
        for accumulator in accumulators {
            try accumulator.read(count: count, from: &reader, interner: &context.interner, version: version)
        }
    }
}

extension SessionEngine {
    /// The kept sessions of the key `key` (encoded words), oldest first; nil when the key
    /// has none. Read-only (inspection).
    func windows(ofKey key: [UInt64]) -> [KeyWindow]? {
        guard let slot = key.withUnsafeBufferPointer({ keys.find($0) }) else { return nil }
        var found: [KeyWindow] = []
        var id = sessions.head[Int(slot)]
        while id >= 0 {
            let i = Int(id)
            if sessions.live[i] { found.append(KeyWindow(start: sessions.start[i], end: sessions.end[i], fired: sessions.fired[i])) }
            id = sessions.next[i]
        }
        return found.isEmpty ? nil : found
    }
}
