import SluiceCore

/// Writes and reads the buffered rows of a join side inside a snapshot.
///
/// Format (per batch): the schema (field count, then name and type tag per field) so a
/// restore into an operator built from a different spec fails loudly; the row count; then
/// per column a validity flag (+ one byte per row when present) and the values. Strings are
/// written as a dictionary of the strings used, in first-use order, plus one code per row:
/// the same rows always give the same bytes.
enum JoinRowsSnapshot {
    static func write(_ batch: Batch, into writer: inout SnapshotWriter) {
        writer.write(batch.schema.count)
        for field in batch.schema.fields {
            writer.write(field.name)
            writer.write(field.type.rawValue)
        }
        writer.write(batch.count)
        for column in batch.columns {
            writer.write(column.validity != nil)
            if let validity = column.validity {
                for valid in validity { writer.write(valid) }
            }
            switch column.type {
            case .int64, .timestamp: writer.write(column.ints)
            case .double: writer.write(column.doubles)
            case .bool: for b in column.bools { writer.write(b) }
            case .string: writeStrings(column, into: &writer)
            }
        }
    }

    private static func writeStrings(_ column: Column, into writer: inout SnapshotWriter) {
        var remap = [UInt32](repeating: .max, count: column.dictionary.count)
        var used: [String] = []
        var codes: [UInt32] = []
        codes.reserveCapacity(column.count)
        for row in 0..<column.count {
            guard column.isValid(row) else {
                codes.append(0)
                continue
            }
            let code = Int(column.codes[row])
            if remap[code] == .max {
                remap[code] = UInt32(used.count)
                used.append(column.dictionary[code])
            }
            codes.append(remap[code])
        }
        writer.write(used.count)
        for s in used { writer.write(s) }
        for code in codes { writer.write(code) }
    }

    static func read(schema: Schema, from reader: inout SnapshotReader) throws -> Batch {
        let fieldCount = try reader.readInt()
        guard fieldCount == schema.count else {
            throw SluiceError(.corruptSnapshot, "join snapshot has \(fieldCount) fields, the operator has \(schema.count)")
        }
        for field in schema.fields {
            let name = try reader.readString()
            let type = try reader.readUInt8()
            guard name == field.name, type == field.type.rawValue else {
                throw SluiceError(.corruptSnapshot, "join snapshot field '\(name)' does not match '\(field.name)'")
            }
        }
        let rows = try reader.readInt()
        guard rows >= 0, rows <= reader.bytes.count - reader.offset else {
            throw SluiceError(.corruptSnapshot, "join snapshot claims \(rows) rows")
        }
        var columns: [Column] = []
        for field in schema.fields {
            var column = Column(type: field.type)
            if try reader.readBool() {
                column.validity = try (0..<rows).map { _ in try reader.readBool() }
            }
            switch field.type {
            case .int64, .timestamp: column.ints = try reader.readInt64s()
            case .double: column.doubles = try reader.readDoubles()
            case .bool: column.bools = try (0..<rows).map { _ in try reader.readBool() }
            case .string:
                let used = try reader.readInt()
                guard used >= 0, used <= reader.bytes.count - reader.offset else {
                    throw SluiceError(.corruptSnapshot, "join snapshot claims \(used) strings")
                }
                column.dictionary = try (0..<used).map { _ in try reader.readString() }
                column.codes = try (0..<rows).map { _ in try reader.readUInt32() }
                for (row, code) in column.codes.enumerated() where column.isValid(row) && Int(code) >= used {
                    throw SluiceError(.corruptSnapshot, "join snapshot string code \(code) out of range")
                }
            }
            guard column.count == rows else {
                throw SluiceError(.corruptSnapshot, "join snapshot column '\(field.name)' has \(column.count) rows, expected \(rows)")
            }
            columns.append(column)
        }
        return Batch(schema: schema, columns: columns, count: rows)
    }
}
