public import SluiceCore

extension IntervalJoinOperator {
    /// Writes the watermark and, per side, the rows still buffered, in arrival order (plus
    /// each left row's matched flag). Key slots and string codes are not written: they
    /// are rebuilt on restore, so equal states give equal bytes.
    public func snapshot(into writer: inout SnapshotWriter) {
        writer.beginSection("interval-join", version: 1)
        writer.write(lower)
        writer.write(upper)
        writer.write(watermark)
        let (left, leftIndices) = sides[0].store.liveRows()
        JoinRowsSnapshot.write(left, into: &writer)
        for row in leftIndices { writer.write(sides[0].matched[Int(row)]) }
        JoinRowsSnapshot.write(sides[1].store.liveRows().batch, into: &writer)
    }

    public func restore(from reader: inout SnapshotReader) throws {
        _ = try reader.expectSection("interval-join", maxVersion: 1)
        let (savedLower, savedUpper) = (try reader.readInt64(), try reader.readInt64())
        guard savedLower == lower, savedUpper == upper else {
            throw SluiceError(
                .corruptSnapshot,
                "interval join snapshot has bounds [\(savedLower), \(savedUpper)], the operator [\(lower), \(upper)]")
        }
        let savedWatermark = try reader.readInt64()
        let left = try JoinRowsSnapshot.read(schema: schemas[0], from: &reader)
        let matched = try (0..<left.count).map { _ in try reader.readBool() }
        let right = try JoinRowsSnapshot.read(schema: schemas[1], from: &reader)
        watermark = savedWatermark
        rebuild(left: left, leftMatched: matched, right: right)
    }

    /// Drops dead rows: rebuilds stores, key table and string codes from the live rows.
    func rebuildFromLiveRows() {
        let (left, leftIndices) = sides[0].store.liveRows()
        let matched = leftIndices.map { sides[0].matched[Int($0)] }
        let right = sides[1].store.liveRows().batch
        rebuild(left: left, leftMatched: matched, right: right)
    }

    /// Replaces the state by the given live rows, kept in their order. Every row must
    /// still be within its bound (true for live rows and for restored snapshots).
    private func rebuild(left: Batch, leftMatched: [Bool], right: Batch) {
        codec.reset()
        table = KeyTable(width: codec.width)
        sides = [IntervalJoinSide(schema: schemas[0]), IntervalJoinSide(schema: schemas[1])]
        insert(left, side: 0, matched: leftMatched)
        insert(right, side: 1, matched: [Bool](repeating: false, count: right.count))
    }

    private func insert(_ batch: Batch, side: Int, matched: [Bool]) {
        guard !batch.isEmpty else { return }
        codec.encode(batch, side: side, into: &words)
        let times = codec.times(batch, side: side).times
        let keep = side == 0 ? upper : JoinTimeMath.subtracting(0, lower)
        let width = codec.width
        var slots: [Int32] = []
        slots.reserveCapacity(batch.count)
        words.withUnsafeBufferPointer { allWords in
            for i in 0..<batch.count {
                slots.append(table.findOrInsert(UnsafeBufferPointer(rebasing: allWords[(i * width)..<((i + 1) * width)])).slot)
            }
        }
        sides[side].add(
            batch, rows: (0..<Int32(batch.count)).map { $0 }, slots: slots, times: times,
            expiries: times.map { JoinTimeMath.adding($0, keep) }, matched: matched, slotCount: table.count)
    }
}
