extension KeyEncoder {
    /// The encoded words of the key whose columns read `values` (as text, one per key
    /// column), for looking state up — without interning: a string the partition has never
    /// interned cannot be in its state, so the answer is nil, and so it is for text that is
    /// not a value of its column's type. Read-only, so inspection never grows the interner
    /// (it runs on the partition's queue between batches; see `Job.keyState`).
    public func lookUpWords(_ values: [String], interner: StringInterner) -> [UInt64]? {
        guard values.count == types.count else { return nil }
        var words = [UInt64](repeating: 0, count: width)
        for (k, (type, text)) in zip(types, values).enumerated() {
            switch type {
            case .int64, .timestamp:
                guard let v = Int64(text) else { return nil }
                words[k] = UInt64(bitPattern: v)
            case .double:
                guard let v = Double(text) else { return nil }
                words[k] = (v == 0 ? 0.0 : v).bitPattern
            case .bool:
                guard let v = Bool(text) else { return nil }
                words[k] = v ? 1 : 0
            case .string:
                guard let code = interner.code(of: text) else { return nil }
                words[k] = UInt64(code)
            }
        }
        // Null keys never reach keyed state (`NullKeyGuard`), so the null mask stays 0.
        return words
    }
}
