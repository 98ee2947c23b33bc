public import SluiceCore

extension WindowJoinOperator {
    /// Writes the watermark and, per side, the rows still in an open window, in arrival
    /// order. Windows, key slots and string codes are not written: which open windows a
    /// row belongs to follows from its time and the watermark, so they are rebuilt on
    /// restore and equal states give equal bytes.
    public func snapshot(into writer: inout SnapshotWriter) {
        writer.beginSection("window-join", version: 1)
        writer.write(size)
        writer.write(slide)
        writer.write(watermark)
        JoinRowsSnapshot.write(sides[0].store.liveRows().batch, into: &writer)
        JoinRowsSnapshot.write(sides[1].store.liveRows().batch, into: &writer)
    }

    public func restore(from reader: inout SnapshotReader) throws {
        _ = try reader.expectSection("window-join", maxVersion: 1)
        let (savedSize, savedSlide) = (try reader.readInt64(), try reader.readInt64())
        guard savedSize == size, savedSlide == slide else {
            throw SluiceError(
                .corruptSnapshot,
                "window join snapshot has windows of \(savedSize) ms sliding \(savedSlide) ms, the operator \(size)/\(slide)")
        }
        let savedWatermark = try reader.readInt64()
        let left = try JoinRowsSnapshot.read(schema: schemas[0], from: &reader)
        let right = try JoinRowsSnapshot.read(schema: schemas[1], from: &reader)
        watermark = savedWatermark
        rebuild(left: left, right: right)
    }

    /// Drops released rows: rebuilds stores, windows, key table and string codes.
    func rebuildFromLiveRows() {
        let left = sides[0].store.liveRows().batch
        let right = sides[1].store.liveRows().batch
        rebuild(left: left, right: right)
    }

    /// Replaces the state by the given rows, kept in their order; each row goes into its
    /// windows that are still open at the current watermark (a row of a damaged snapshot
    /// with no open window is dropped, as it could never be emitted).
    private func rebuild(left: Batch, right: Batch) {
        codec.reset()
        table = KeyTable(width: codec.width)
        sides = [WindowJoinSide(schema: schemas[0]), WindowJoinSide(schema: schemas[1])]
        panes = []
        paneIndex = [:]
        var ignored = OperatorOutput()
        let savedCounters = counters
        process(left, input: 0, into: &ignored)
        process(right, input: 1, into: &ignored)
        counters = savedCounters
    }
}
