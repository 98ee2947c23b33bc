/// Maps strings to small dense codes, owned by one partition.
///
/// Batches carry per-batch string dictionaries; keyed state needs codes that stay the same
/// across batches. A `StringInterner` gives each distinct string a code once; `codes(for:)`
/// translates a batch column's dictionary in one pass over its distinct values, so the
/// per-row cost is one array load. Snapshots store the strings, never the codes.
public struct StringInterner: Sendable {
    public private(set) var strings: [String] = []
    private var lookup: [String: UInt32] = [:]

    public init() {}

    public var count: Int { strings.count }

    public mutating func intern(_ s: String) -> UInt32 {
        if let code = lookup[s] { return code }
        let code = UInt32(strings.count)
        strings.append(s)
        lookup[s] = code
        return code
    }

    public func code(of s: String) -> UInt32? { lookup[s] }

    public func string(_ code: UInt32) -> String { strings[Int(code)] }

    /// Interned codes for every entry of a batch dictionary, indexed by batch code.
    public mutating func codes(for dictionary: [String]) -> [UInt32] {
        dictionary.map { intern($0) }
    }
}
