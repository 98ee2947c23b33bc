/// The word format of keyed state: which columns form the key and how each becomes one
/// UInt64 word per row, the form `KeyTable` stores (`KeyWordEncoder` does the encoding).
///
/// Each key column is one word: integers and timestamps as their bit pattern, doubles as
/// their bit pattern with -0.0 folded into 0.0, booleans as 0/1, strings as the owning
/// partition's interned code. When any key column has nulls a last word holds the null
/// mask, so null and a zero never collide.
public struct KeyEncoder: Sendable {
    public let keyColumns: [Int]
    public let types: [DataType]
    public let nullable: Bool

    public init(schema: Schema, keyNames: [String]) {
        keyColumns = keyNames.map { name in
            guard let i = schema.index(of: name) else { preconditionFailure("unknown key column \(name)") }
            return i
        }
        types = keyColumns.map { schema[$0].type }
        nullable = keyColumns.contains { schema[$0].nullable }
    }

    public var width: Int { keyColumns.count + (nullable ? 1 : 0) }

    /// Rebuilds the key values of one encoded key (for emitting results).
    public func values(of key: ArraySlice<UInt64>, interner: StringInterner) -> [Value] {
        let base = key.startIndex
        let nullMask = nullable ? key[base + width - 1] : 0
        return types.enumerated().map { k, type in
            if nullMask & (1 << UInt64(k)) != 0 { return .null }
            let word = key[base + k]
            switch type {
            case .int64: return .int(Int64(bitPattern: word))
            case .timestamp: return .timestamp(Int64(bitPattern: word))
            case .double: return .double(Double(bitPattern: word))
            case .bool: return .bool(word != 0)
            case .string: return .string(interner.string(UInt32(truncatingIfNeeded: word)))
            }
        }
    }
}
