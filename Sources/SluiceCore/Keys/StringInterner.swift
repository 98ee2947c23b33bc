/// Maps strings to small dense codes, owned by one partition.
///
/// Batches carry per-batch string dictionaries; keyed state needs codes that stay the same
/// across batches. A `StringInterner` gives each distinct string a code once; `codes(for:)`
/// translates a batch column's dictionary in one pass over its distinct values, so the
/// per-row cost is one array load. Snapshots store the strings, never the codes.
///
/// The lookup is open addressing over codes keyed by `StableHash` of the UTF-8 bytes:
/// interning runs once per distinct value per batch, which for agent ids is close to once
/// per row, and Swift's `Dictionary` (SipHash, per-process seed) costs several times more.
public struct StringInterner: Sendable {
    public private(set) var strings: [String] = []
    /// Bucket → code + 1 (0 = empty).
    private var buckets: [UInt32] = [UInt32](repeating: 0, count: 64)
    /// Each code's hash, so growing never rehashes strings.
    private var hashes: [UInt64] = []

    public init() {}

    public var count: Int { strings.count }

    public mutating func intern(_ s: String) -> UInt32 {
        let hash = StableHash.hash(s)
        let mask = buckets.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = buckets[i]
            if entry == 0 { break }
            let code = Int(entry - 1)
            if hashes[code] == hash && strings[code] == s { return UInt32(code) }
            i = (i + 1) & mask
        }
        let code = UInt32(strings.count)
        buckets[i] = code + 1
        strings.append(s)
        hashes.append(hash)
        if strings.count * 2 > buckets.count { grow() }
        return code
    }

    public func code(of s: String) -> UInt32? {
        let hash = StableHash.hash(s)
        let mask = buckets.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = buckets[i]
            if entry == 0 { return nil }
            let code = Int(entry - 1)
            if hashes[code] == hash && strings[code] == s { return UInt32(code) }
            i = (i + 1) & mask
        }
    }

    public func string(_ code: UInt32) -> String { strings[Int(code)] }

    /// Interned codes for every entry of a batch dictionary, indexed by batch code.
    public mutating func codes(for dictionary: [String]) -> [UInt32] {
        dictionary.map { intern($0) }
    }

    private mutating func grow() {
        var fresh = [UInt32](repeating: 0, count: buckets.count * 2)
        let mask = fresh.count - 1
        for (code, hash) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: hash) & mask
            while fresh[i] != 0 { i = (i + 1) & mask }
            fresh[i] = UInt32(code + 1)
        }
        buckets = fresh
    }
}
