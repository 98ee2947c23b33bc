import SluiceCore

/// Snapshot form of the panes: the batch counter, then per pane (by start) its groups and
/// the batches that first inserted its keys (windows order their rows by them). Which
/// windows have fired follows from the watermark, so it is not stored.
extension PaneEngine {
    func writeState(into writer: inout SnapshotWriter) {
        writer.write(batchNumber)
        let order = panes.indices.sorted { panes[$0].start < panes[$1].start }
        writer.write(UInt64(order.count))
        for p in order {
            let pane = panes[p]
            writer.write(pane.start)
            GroupTableSnapshot.write(pane.table, into: &writer, context: context)
            writer.write(pane.runBatches)
            writer.write(pane.runFirstSlots.map { Int64($0) })
        }
    }

    mutating func readState(from reader: inout SnapshotReader, version: UInt32) throws {
        panes = []
        paneByStart = [:]
        batchNumber = try reader.readUInt64()
        let count = try reader.readElementCount(minimumBytes: 8)
        for _ in 0..<count {
            let start = try reader.readInt64()
            guard WindowMath.alignDown(start, to: slide) == start, paneByStart[start] == nil else {
                throw SluiceError(.corruptSnapshot, "pane at \(start) does not fit this operator's panes")
            }
            let table = try GroupTableSnapshot.read(
                from: &reader, start: start, end: WindowMath.saturatingAdd(start, slide), fired: false, version: version,
                context: &context)
            var pane = Pane(table: table)
            let batches = try reader.readUInt64s()
            let firstSlots = try reader.readInt64s()
            guard firstSlots.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
                throw SluiceError(.corruptSnapshot, "pane insertion runs out of range")
            }
            try pane.restoreInsertions(batches: batches, firstSlots: firstSlots.map { Int32($0) })
            pane.nextWindowToFire = newestUnfiredOffset(paneStart: start)
            panes.append(pane)
            paneByStart[start] = panes.count - 1
        }
    }
}
