import SluiceCore
import SluicePostgres

/// Writes a batch's rows as COPY text, one column at a time per row, straight from the
/// typed column arrays (no `Value` per cell).
enum PostgresBatchEncoder {
    /// Appends every row of `batch`, taking field `i` from `batch.columns[columns[i]]`.
    static func append(_ batch: Batch, columns: [Int], to writer: inout PostgresCopyWriter) {
        let picked = columns.map { batch.columns[$0] }
        for row in 0..<batch.count {
            for column in picked {
                guard column.isValid(row) else {
                    writer.appendNull()
                    continue
                }
                switch column.type {
                case .int64: writer.append(column.ints[row])
                case .timestamp: writer.append(timestampMillis: column.ints[row])
                case .double: writer.append(column.doubles[row])
                case .bool: writer.append(column.bools[row])
                case .string: writer.append(column.dictionary[Int(column.codes[row])])
                }
            }
            writer.endRow()
        }
    }
}
