public import SluiceCore

extension DAAGeneratorSource {
    /// Fields whose column holds JSON array text, written as arrays rather than strings.
    static let jsonArrayFields: Set<String> = ["capabilities", "target_agents"]

    /// The rows of `batch` as DAA wire lines (`daa-events.md`): one JSON object per line,
    /// fields in schema order, null fields left out (so each event carries only the fields
    /// its type has), timestamps as integer epoch milliseconds, and `capabilities` /
    /// `target_agents` as JSON arrays. Works for any batch whose array columns hold valid
    /// JSON array text, as the generator's do.
    public static func encodeNDJSON(_ batch: Batch) -> [UInt8] {
        var out = JSONBytes(capacity: batch.count * 200)
        let fields = batch.schema.fields
        let names = fields.map { field in
            var name = JSONBytes()
            name.append(string: field.name)
            name.append(UInt8(ascii: ":"))
            return name.bytes
        }
        let rawArray = fields.map { jsonArrayFields.contains($0.name) && $0.type == .string }
        // Columns are reached through a pointer so no row copies a `Column` (and its arrays).
        batch.columns.withUnsafeBufferPointer { columns in
            for row in 0..<batch.count {
                out.append(UInt8(ascii: "{"))
                var first = true
                for index in columns.indices {
                    let column = columns.baseAddress! + index
                    if let validity = column.pointee.validity, !validity[row] { continue }
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    out.bytes.append(contentsOf: names[index])
                    switch column.pointee.type {
                    case .int64, .timestamp: out.append(integer: column.pointee.ints[row])
                    case .double: out.append(double: column.pointee.doubles[row])
                    case .bool: out.append(bool: column.pointee.bools[row])
                    case .string:
                        let text = column.pointee.dictionary[Int(column.pointee.codes[row])]
                        if rawArray[index] { out.appendRaw(text) } else { out.append(string: text) }
                    }
                }
                out.append(UInt8(ascii: "}"))
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out.bytes
    }
}
