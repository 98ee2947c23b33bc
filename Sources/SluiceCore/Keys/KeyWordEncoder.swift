/// Encodes a batch's key columns into `KeyEncoder`'s word format (one UInt64 per key
/// column, plus a null-mask word when a key is nullable), translating string
/// dictionaries through the partition's `StringInterner` as cheaply as possible:
///
/// This is the one encoder of keyed state (windows, folds, joins). It is stateful, so each
/// operator owns one:
///
/// - only dictionary entries that rows actually use are interned (a batch split by
///   partition shares its parent's dictionary, most of which another partition uses);
/// - when a batch carries the very same dictionary buffer as the previous batch (a
///   generator or decoder reusing it), the previous translation is reused. Holding the
///   previous dictionary keeps its buffer alive, so equal base address and count can
///   only mean the same, unmodified strings.
public struct KeyWordEncoder: Sendable {
    public let encoder: KeyEncoder
    private var cachedDictionaries: [[String]]
    /// Per string key column: dictionary entry → interned code (`UInt32.max`: not yet).
    private var translations: [[UInt32]]

    public init(_ encoder: KeyEncoder) {
        self.encoder = encoder
        cachedDictionaries = Array(repeating: [], count: encoder.keyColumns.count)
        translations = Array(repeating: [], count: encoder.keyColumns.count)
    }

    /// Fills `words` with `encoder.width` words per row: row `r`'s key at `r * width`.
    /// With `rows`, only those rows are encoded, the j-th of them at `j * width`.
    public mutating func encode(
        _ batch: Batch, rows: [Int32]? = nil, interner: inout StringInterner, into words: inout [UInt64]
    ) {
        let width = encoder.width
        let n = batch.count
        words.removeAll(keepingCapacity: true)
        words.append(contentsOf: repeatElement(0, count: (rows?.count ?? n) * width))
        for (k, columnIndex) in encoder.keyColumns.enumerated() {
            let column = batch.columns[columnIndex]
            if column.type == .string { prepareTranslation(k, column.dictionary) }
            words.withUnsafeMutableBufferPointer { out in
                switch column.type {
                case .int64, .timestamp:
                    column.ints.withUnsafeBufferPointer { src in
                        forEachRow(rows, n) { j, r in out[j * width + k] = UInt64(bitPattern: src[r]) }
                    }
                case .double:
                    column.doubles.withUnsafeBufferPointer { src in
                        forEachRow(rows, n) { j, r in out[j * width + k] = (src[r] == 0 ? 0.0 : src[r]).bitPattern }
                    }
                case .bool:
                    column.bools.withUnsafeBufferPointer { src in
                        forEachRow(rows, n) { j, r in out[j * width + k] = src[r] ? 1 : 0 }
                    }
                case .string:
                    let dictionary = column.dictionary
                    translations[k].withUnsafeMutableBufferPointer { map in
                        column.codes.withUnsafeBufferPointer { src in
                            forEachRow(rows, n) { j, r in
                                let code = Int(src[r])
                                // A null row's code may not index the dictionary (an all-null
                                // column has an empty one); the null mask below marks it.
                                guard code < map.count else {
                                    out[j * width + k] = 0
                                    return
                                }
                                var interned = map[code]
                                if interned == .max {
                                    interned = interner.intern(dictionary[code])
                                    map[code] = interned
                                }
                                out[j * width + k] = UInt64(interned)
                            }
                        }
                    }
                }
                if encoder.nullable, let validity = column.validity {
                    forEachRow(rows, n) { j, r in
                        guard !validity[r] else { return }
                        out[j * width + k] = 0
                        out[j * width + width - 1] |= 1 << UInt64(k)
                    }
                }
            }
        }
    }

    /// Drops every cached translation: call it when the interner it translated into is
    /// replaced, or a reused dictionary would map to codes of the old interner.
    public mutating func forgetTranslations() {
        cachedDictionaries = Array(repeating: [], count: encoder.keyColumns.count)
        translations = Array(repeating: [], count: encoder.keyColumns.count)
    }

    private mutating func prepareTranslation(_ k: Int, _ dictionary: [String]) {
        let cached = cachedDictionaries[k]
        let same =
            cached.count == dictionary.count
            && cached.withUnsafeBufferPointer { a in dictionary.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        if same && !dictionary.isEmpty { return }
        cachedDictionaries[k] = dictionary
        translations[k] = [UInt32](repeating: .max, count: dictionary.count)
    }
}

/// Runs `body(j, row)` for the j-th row of `rows`, or `body(r, r)` for every row `0..<n`
/// when `rows` is nil.
@inline(__always)
private func forEachRow(_ rows: [Int32]?, _ n: Int, _ body: (Int, Int) -> Void) {
    if let rows {
        rows.withUnsafeBufferPointer { rows in
            for j in 0..<rows.count { body(j, Int(rows[j])) }
        }
    } else {
        for r in 0..<n { body(r, r) }
    }
}
