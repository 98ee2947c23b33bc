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
        // `"name":` for every field, escaped once per batch, in one buffer: reading an array
        // of arrays per value retained and released the element.
        var keyBytes: [UInt8] = []
        var keyEnds: [Int] = []
        for field in batch.schema.fields {
            JSONWriter.appendString(field.name, to: &keyBytes)
            keyBytes.append(0x3A)
            keyEnds.append(keyBytes.count)
        }
        // String values escaped once per batch, on first use: a batch gathered or sliced
        // from a larger one shares its parent's dictionary (every event id of a decoded
        // chunk), so escaping whole dictionaries cost the parent's size per small batch.
        var escaped = batch.columns.map { EscapedStrings(column: $0, rows: batch.count) }
        out.reserveCapacity(out.count + batch.count * (16 + fieldCount * 16))
        // Columns are read through a buffer pointer: a `let column = batch.columns[c]` per
        // value copied the struct, a retain and a release of each of its six arrays.
        batch.columns.withUnsafeBufferPointer { columns in
            keyBytes.withUnsafeBufferPointer { keys in
                for row in 0..<batch.count {
                    out.append(0x7B)
                    var first = true
                    for c in 0..<fieldCount {
                        if columns[c].validity?[row] == false { continue }
                        let type = columns[c].type
                        if type == .double && !columns[c].doubles[row].isFinite { continue }
                        if !first { out.append(0x2C) }
                        first = false
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: keys[(c == 0 ? 0 : keyEnds[c - 1])..<keyEnds[c]]))
                        switch type {
                        case .int64, .timestamp: JSONWriter.appendInt(columns[c].ints[row], to: &out)
                        case .double: JSONWriter.appendDouble(columns[c].doubles[row], to: &out)
                        case .bool: appendBool(columns[c].bools[row], to: &out)
                        case .string: escaped[c].append(code: columns[c].codes[row], of: columns[c].dictionary, to: &out)
                        }
                    }
                    out.append(0x7D)
                    out.append(0x0A)
                }
            }
        }
    }

    @inline(__always)
    private static func appendBool(_ value: Bool, to out: inout [UInt8]) {
        let text: StaticString = value ? "true" : "false"
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}

/// One string column's dictionary entries as escaped JSON strings, each escaped the first
/// time a row uses it. Dense (an array over the dictionary) when the dictionary is not
/// much larger than the batch, sparse (a hash map over the codes used) when it is.
private struct EscapedStrings {
    private var bytes: [UInt8] = []
    private var dense: [Int32] = []
    private var sparse: [UInt32: Int32] = [:]
    private var ends: [Int32] = []
    private let isDense: Bool

    init(column: Column, rows: Int) {
        isDense = column.type == .string && column.dictionary.count <= 4 * max(rows, 16)
        if isDense { dense = [Int32](repeating: -1, count: column.dictionary.count) }
    }

    mutating func append(code: UInt32, of dictionary: [String], to out: inout [UInt8]) {
        var entry = isDense ? dense[Int(code)] : (sparse[code] ?? -1)
        if entry < 0 {
            entry = Int32(ends.count)
            JSONWriter.appendString(dictionary[Int(code)], to: &bytes)
            ends.append(Int32(bytes.count))
            if isDense { dense[Int(code)] = entry } else { sparse[code] = entry }
        }
        let start = entry == 0 ? 0 : Int(ends[Int(entry) - 1])
        bytes.withUnsafeBufferPointer { all in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start..<Int(ends[Int(entry)])]))
        }
    }
}
