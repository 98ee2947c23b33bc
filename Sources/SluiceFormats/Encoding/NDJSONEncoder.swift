public import SluiceCore

/// Writes a batch as newline-delimited JSON: one object per row, keys in schema order.
///
/// - Null values are omitted (the key is left out), which the decoder reads back as
///   null; so are non-finite doubles, which JSON cannot express.
/// - Timestamps are written as integers (epoch ms), doubles in the shortest form that
///   reads back exactly, strings with `"`, `\` and control characters escaped.
///
/// `NDJSONEncoder` output decoded by `JSONBatchDecoder` with the same schema gives the
/// original batch back (except NaN/infinity, written as null).
public enum NDJSONEncoder {
    public static func encode(_ batch: Batch, into out: inout [UInt8]) {
        let fieldCount = batch.schema.count
        // `"name":` for every field, escaped once per batch.
        let keys: [[UInt8]] = batch.schema.fields.map { field in
            var key: [UInt8] = []
            JSONWriter.appendString(field.name, to: &key)
            key.append(0x3A)
            return key
        }
        // String dictionaries escaped once per batch, not once per row.
        let escapedDictionaries: [[[UInt8]]] = batch.columns.map { column in
            guard column.type == .string else { return [] }
            return column.dictionary.map { string in
                var bytes: [UInt8] = []
                JSONWriter.appendString(string, to: &bytes)
                return bytes
            }
        }
        out.reserveCapacity(out.count + batch.count * (16 + fieldCount * 16))
        for row in 0..<batch.count {
            out.append(0x7B)
            var first = true
            for c in 0..<fieldCount {
                let column = batch.columns[c]
                if let validity = column.validity, !validity[row] { continue }
                if column.type == .double && !column.doubles[row].isFinite { continue }
                if !first { out.append(0x2C) }
                first = false
                out.append(contentsOf: keys[c])
                switch column.type {
                case .int64, .timestamp: JSONWriter.appendInt(column.ints[row], to: &out)
                case .double: JSONWriter.appendDouble(column.doubles[row], to: &out)
                case .bool: out.append(contentsOf: column.bools[row] ? Array("true".utf8) : Array("false".utf8))
                case .string: out.append(contentsOf: escapedDictionaries[c][Int(column.codes[row])])
                }
            }
            out.append(0x7D)
            out.append(0x0A)
        }
    }
}
