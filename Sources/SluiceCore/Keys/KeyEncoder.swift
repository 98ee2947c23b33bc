/// Encodes the key columns of a batch into fixed-width UInt64 words per row, the form
/// `KeyTable` stores.
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

    /// Fills `words` (`batch.count * width`) with the keys of every row.
    public func encode(_ batch: Batch, interner: inout StringInterner, into words: inout [UInt64]) {
        let w = width
        let n = batch.count
        words.removeAll(keepingCapacity: true)
        words.append(contentsOf: repeatElement(0, count: n * w))
        words.withUnsafeMutableBufferPointer { out in
            for (k, columnIndex) in keyColumns.enumerated() {
                let column = batch.columns[columnIndex]
                switch column.type {
                case .int64, .timestamp:
                    column.ints.withUnsafeBufferPointer { src in
                        for r in 0..<n { out[r * w + k] = UInt64(bitPattern: src[r]) }
                    }
                case .double:
                    column.doubles.withUnsafeBufferPointer { src in
                        for r in 0..<n { out[r * w + k] = (src[r] == 0 ? 0.0 : src[r]).bitPattern }
                    }
                case .bool:
                    column.bools.withUnsafeBufferPointer { src in
                        for r in 0..<n { out[r * w + k] = src[r] ? 1 : 0 }
                    }
                case .string:
                    let map = interner.codes(for: column.dictionary)
                    map.withUnsafeBufferPointer { m in
                        column.codes.withUnsafeBufferPointer { src in
                            if column.validity == nil {
                                for r in 0..<n { out[r * w + k] = UInt64(m[Int(src[r])]) }
                            } else {
                                // A null row's code is a placeholder that may not index the
                                // dictionary (an all-null column has an empty one).
                                for r in 0..<n {
                                    let code = Int(src[r])
                                    out[r * w + k] = code < m.count ? UInt64(m[code]) : 0
                                }
                            }
                        }
                    }
                }
                if nullable, let validity = column.validity {
                    for r in 0..<n where !validity[r] {
                        out[r * w + k] = 0
                        out[r * w + w - 1] |= 1 << UInt64(k)
                    }
                }
            }
        }
    }

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
