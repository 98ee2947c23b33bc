import SluiceCore

/// Writes a batch through a view's prepared insert (or delete), binding straight from the
/// column arrays.
///
/// No SQL text and no `Value` per row: each row binds one parameter per column from the
/// typed arrays, steps the reused statement and resets it.
enum SQLiteBatchWriter {
    /// One batch column, reduced to the array the binder reads.
    private enum Source {
        case ints([Int64])
        case doubles([Double])
        case bools([Bool])
        case strings(codes: [UInt32], dictionary: [String])
    }

    /// Inserts every row of `batch`; `parameterColumns[i]` is the batch column bound to parameter `i + 1`.
    static func insert(_ batch: Batch, parameterColumns: [Int], with statement: SQLiteStatement) throws {
        try runPerRow(batch, parameterColumns: parameterColumns, with: statement)
    }

    /// Deletes the row keyed like each row of `batch`; `parameterColumns[i]` is the batch
    /// column holding key column `i` (parameter `i + 1` of the view's delete).
    static func delete(_ batch: Batch, parameterColumns: [Int], with statement: SQLiteStatement) throws {
        try runPerRow(batch, parameterColumns: parameterColumns, with: statement)
    }

    private static func runPerRow(_ batch: Batch, parameterColumns: [Int], with statement: SQLiteStatement) throws {
        let columns = parameterColumns.map { batch.columns[$0] }
        let sources: [Source] = columns.map { column in
            switch column.type {
            case .int64, .timestamp: .ints(column.ints)
            case .double: .doubles(column.doubles)
            case .bool: .bools(column.bools)
            case .string: .strings(codes: column.codes, dictionary: column.dictionary)
            }
        }
        let validities = columns.map(\.validity)
        for row in 0..<batch.count {
            for index in sources.indices {
                let parameter = Int32(index + 1)
                if let validity = validities[index], !validity[row] {
                    try statement.bindNull(at: parameter)
                    continue
                }
                switch sources[index] {
                case .ints(let values): try statement.bind(values[row], at: parameter)
                case .doubles(let values): try statement.bind(values[row], at: parameter)
                case .bools(let values): try statement.bind(values[row] ? 1 as Int64 : 0, at: parameter)
                case .strings(let codes, let dictionary): try statement.bind(dictionary[Int(codes[row])], at: parameter)
                }
            }
            try statement.run()
        }
    }
}
