import SluiceCore
import SluiceFormats

/// Keeps rows whose key is incomplete away from a keyed operator: such a row has no
/// partition, no group and no view row to land in, so it becomes a dead letter with the
/// reason instead of stopping the pipeline at the sink.
///
/// The check costs nothing for key columns without nulls (`validity == nil`).
struct NullKeyGuard {
    let keys: [String]
    let step: String

    /// Splits the rows of `batch` (all, or only `rows`) into those with a complete key and
    /// rejections; returns nil when every row has its key (the common case, no copy).
    func screen(_ batch: Batch, rows: [Int32]?) -> (kept: [Int32], rejections: [Rejection])? {
        var nullable: [(name: String, validity: [Bool])] = []
        for key in keys {
            guard let index = batch.schema.index(of: key) else { continue }
            if let validity = batch.columns[index].validity { nullable.append((key, validity)) }
        }
        guard !nullable.isEmpty else { return nil }
        var kept: [Int32] = []
        var rejections: [Rejection] = []
        func check(_ row: Int) {
            if let missing = nullable.first(where: { !$0.validity[row] }) {
                rejections.append(reject(batch, row: row, column: missing.name))
            } else {
                kept.append(Int32(truncatingIfNeeded: row))
            }
        }
        if let rows {
            for row in rows { check(Int(row)) }
        } else {
            for row in 0..<batch.count { check(row) }
        }
        return rejections.isEmpty ? nil : (kept, rejections)
    }

    private func reject(_ batch: Batch, row: Int, column: String) -> Rejection {
        // The event as received when the batch kept it (a narrowed source decodes only
        // the fields the pipeline reads), else the row as the step sees it.
        Rejection(reason: "key column '\(column)' is null (step '\(step)')", raw: ReceivedEvents.line(of: batch, row: row))
    }
}
