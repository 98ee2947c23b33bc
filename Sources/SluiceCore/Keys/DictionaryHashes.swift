/// The stable hashes of string dictionaries' entries, kept between batches by whoever
/// hashes them per batch (one per split driver or partition executor that scatters, one
/// per aggregation with `count_distinct` of a string; not thread-safe), per `Key`: a
/// column name, an argument number.
///
/// A decoder whose string column has settled hands out the same dictionary batch after
/// batch (`StringTable`: the table's whole string list, 10,000 agent ids for W1), so
/// hashing every entry per batch cost more than hashing every row: 12 % of W1-file's CPU
/// with two workers. Here a dictionary that is a kept one (same buffer and count) reuses
/// its hashes, and one that extends a kept one (the table grew: the same strings first)
/// hashes only its new entries. Several are kept per column: a split decoding on several
/// threads alternates between its decoders' dictionaries.
public struct DictionaryHashes<Key: Hashable>: Sendable where Key: Sendable {
    /// As many as `KeyWordEncoder` keeps (a split's decoders, and the splits an executor's
    /// exchange hears from).
    static var keptPerKey: Int { 16 }

    private struct Kept {
        /// Kept alive, so its buffer cannot be reused by another array while kept.
        var dictionary: [String]
        var hashes: [UInt64]
    }

    /// Per key, most recently used first.
    private var kept: [Key: [Kept]] = [:]

    public init() {}

    /// The stable hash (`StableHash.hash`) of each entry of `dictionary`, a dictionary of
    /// the column or argument `name`. Up to `keptPerKey` dictionaries stay alive per key.
    public mutating func of(_ dictionary: [String], for name: Key) -> [UInt64] {
        var entries = kept.removeValue(forKey: name) ?? []
        defer { kept[name] = entries }
        if let i = entries.firstIndex(where: { Self.isSameBuffer($0.dictionary, dictionary) }) {
            entries.swapAt(0, i)
            return entries[0].hashes
        }
        if let i = entries.firstIndex(where: { Self.extends(dictionary, $0.dictionary) }) {
            var grown = entries.remove(at: i)
            grown.hashes.reserveCapacity(dictionary.count)
            for s in dictionary[grown.hashes.count...] { grown.hashes.append(StableHash.hash(s)) }
            grown.dictionary = dictionary
            entries.insert(grown, at: 0)
            return grown.hashes
        }
        let fresh = Kept(dictionary: dictionary, hashes: dictionary.map { StableHash.hash($0) })
        if entries.count == Self.keptPerKey { entries.removeLast() }
        entries.insert(fresh, at: 0)
        return fresh.hashes
    }

    private static func isSameBuffer(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }

    /// True when `longer` starts with every entry of `shorter` (a non-empty one), byte for
    /// byte: `String ==` would also match canonically equivalent strings (NFC and NFD
    /// "é"), whose bytes, and so hashes, differ. Cheap: a grown table's strings are short
    /// agent ids and names, and a different dictionary usually differs at its first entry.
    private static func extends(_ longer: [String], _ shorter: [String]) -> Bool {
        guard !shorter.isEmpty, longer.count >= shorter.count else { return false }
        for i in shorter.indices where !longer[i].utf8.elementsEqual(shorter[i].utf8) { return false }
        return true
    }
}
