internal import CRabbitMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value in an AMQP table (queue arguments, message headers): the kinds Sluice uses.
public enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
}

/// Builds an `amqp_table_t` that lives for the duration of `body` (keys and strings are
/// copied into C memory freed afterwards).
func withAMQPTable<T>(_ fields: [(String, AMQPFieldValue)], _ body: (amqp_table_t) throws -> T) rethrows -> T {
    var strings: [UnsafeMutablePointer<CChar>] = []
    defer { for pointer in strings { free(pointer) } }
    var entries: [amqp_table_entry_t] = []
    entries.reserveCapacity(fields.count)
    for (key, value) in fields {
        var entry = amqp_table_entry_t()
        let keyPointer = strdup(key)!
        strings.append(keyPointer)
        entry.key = amqp_bytes_t(len: strlen(keyPointer), bytes: UnsafeMutableRawPointer(keyPointer))
        switch value {
        case .string(let text):
            let pointer = strdup(text)!
            strings.append(pointer)
            entry.value.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            entry.value.value.bytes = amqp_bytes_t(len: strlen(pointer), bytes: UnsafeMutableRawPointer(pointer))
        case .int(let number):
            entry.value.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            entry.value.value.i64 = number
        case .bool(let flag):
            entry.value.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            entry.value.value.boolean = flag ? 1 : 0
        }
        entries.append(entry)
    }
    return try entries.withUnsafeMutableBufferPointer { buffer in
        try body(amqp_table_t(num_entries: Int32(buffer.count), entries: buffer.baseAddress))
    }
}

/// The string-valued entries of a received table, copied out (other kinds are skipped).
func stringEntries(of table: amqp_table_t) -> [String: String] {
    guard table.num_entries > 0, let entries = table.entries else { return [:] }
    var result: [String: String] = [:]
    for i in 0..<Int(table.num_entries) {
        let entry = entries[i]
        if entry.value.kind == UInt8(AMQP_FIELD_KIND_UTF8.rawValue) || entry.value.kind == UInt8(AMQP_FIELD_KIND_BYTES.rawValue) {
            result[entry.key.string] = entry.value.value.bytes.string
        }
    }
    return result
}
