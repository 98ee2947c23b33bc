public import SluiceCore

/// The text of rows that leave a pipeline as events (late events, duplicates, rows with
/// a null key): the bytes received when the batch kept them (`Batch.records`), so the
/// event is whole even when the pipeline decoded only some of its fields; otherwise the
/// row as NDJSON (`NDJSONEncoder`).
public enum ReceivedEvents {
    /// Every row of `batch`, one line each.
    public static func appendLines(of batch: Batch, to out: inout [UInt8]) {
        if let records = batch.records {
            records.appendLines(to: &out)
        } else {
            NDJSONEncoder.encode(batch, into: &out)
        }
    }

    /// Row `row` of `batch`, without a line terminator.
    public static func line(of batch: Batch, row: Int) -> [UInt8] {
        if let records = batch.records {
            return records.record(row)
        }
        var line: [UInt8] = []
        NDJSONEncoder.encode(batch.gather([Int32(truncatingIfNeeded: row)]), into: &line)
        if line.last == 0x0A { line.removeLast() }
        return line
    }
}
