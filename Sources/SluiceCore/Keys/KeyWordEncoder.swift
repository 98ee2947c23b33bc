/// Encodes a batch's key columns into `KeyEncoder`'s word format (one UInt64 per key
/// column, plus a null-mask word when a key is nullable), translating string
/// dictionaries through the partition's `StringInterner` as cheaply as possible:
///
/// This is the one encoder of keyed state (windows, folds, joins). It is stateful, so each
/// operator owns one:
///
/// - only dictionary entries that rows actually use are interned (a batch split by
///   partition shares its parent's dictionary, most of which another partition uses);
/// - when a batch carries the very same dictionary buffer as a recent batch (a generator
///   or a decoder with stable codes reusing it), that batch's translation is reused. The
///   last `cachedPerColumn` dictionaries per column are kept, so batches of several
///   splits (each with its own decoder, arriving interleaved) all hit. Holding a
///   dictionary keeps its buffer alive, so equal base address and count can only mean
///   the same, unmodified strings.
public struct KeyWordEncoder: Sendable {
    public let encoder: KeyEncoder
    /// Enough for four splits decoding on four threads each (`DecodeAhead.maxPerSplit`).
    static let cachedPerColumn = 16
    /// Per string key column: recent dictionaries, most recent first.
    private var cachedDictionaries: [[[String]]]
    /// Per string key column, parallel to `cachedDictionaries`: dictionary entry →
    /// interned code (`UInt32.max`: not yet).
    private var cachedTranslations: [[[UInt32]]]
    /// Per string key column: the translation of the current batch's dictionary.
    private var translations: [[UInt32]]

    public init(_ encoder: KeyEncoder) {
        self.encoder = encoder
        cachedDictionaries = Array(repeating: [], count: encoder.keyColumns.count)
        cachedTranslations = Array(repeating: [], count: encoder.keyColumns.count)
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
            precondition(!column.isFingerprinted, "a key column of fingerprints")
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
            // Hand the (possibly extended) translation back to its cache entry.
            if column.type == .string { swap(&translations[k], &cachedTranslations[k][0]) }
        }
    }

    /// Drops every cached translation: call it when the interner it translated into is
    /// replaced, or a reused dictionary would map to codes of the old interner.
    public mutating func forgetTranslations() {
        cachedDictionaries = Array(repeating: [], count: encoder.keyColumns.count)
        cachedTranslations = Array(repeating: [], count: encoder.keyColumns.count)
        translations = Array(repeating: [], count: encoder.keyColumns.count)
    }

    /// Makes `translations[k]` the translation of `dictionary`: a cached one when the same
    /// buffer was seen recently (moved to the front), else a fresh one put in front.
    private mutating func prepareTranslation(_ k: Int, _ dictionary: [String]) {
        let base = dictionary.withUnsafeBufferPointer { $0.baseAddress }
        if !dictionary.isEmpty {
            for i in cachedDictionaries[k].indices {
                let cached = cachedDictionaries[k][i]
                guard cached.count == dictionary.count, cached.withUnsafeBufferPointer({ $0.baseAddress }) == base
                else { continue }
                if i > 0 {
                    cachedDictionaries[k].swapAt(0, i)
                    cachedTranslations[k].swapAt(0, i)
                }
                // Taken out of the cache while in use, so writing it does not copy it.
                swap(&translations[k], &cachedTranslations[k][0])
                return
            }
        }
        if cachedDictionaries[k].count == Self.cachedPerColumn {
            cachedDictionaries[k].removeLast()
            cachedTranslations[k].removeLast()
        }
        cachedDictionaries[k].insert(dictionary, at: 0)
        cachedTranslations[k].insert([], at: 0)
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
