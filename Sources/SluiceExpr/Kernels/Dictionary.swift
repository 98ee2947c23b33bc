import SluiceCore

// String work happens once per dictionary entry, then results are mapped through the
// row codes. A batch split by partition shares its parent's (larger) dictionary, so when
// the dictionary is much bigger than the batch only the entries the rows use are computed.

extension Column {
    /// The dictionary, with one placeholder entry when empty, so a (null row's) code 0
    /// can always be looked up.
    var safeDictionary: [String] { dictionary.isEmpty ? [""] : dictionary }
}

/// `f` of every dictionary entry of a string column; entries no row uses get `unused`
/// when the dictionary is much larger than the column.
func perEntry<R>(_ column: Column, unused: R, _ f: (String) -> R) -> [R] {
    let dictionary = column.safeDictionary
    if dictionary.count <= 2 * column.codes.count + 16 { return dictionary.map(f) }
    var used = [Bool](repeating: false, count: dictionary.count)
    for code in column.codes where Int(code) < used.count { used[Int(code)] = true }
    return (0..<dictionary.count).map { used[$0] ? f(dictionary[$0]) : unused }
}

/// `table[codes[i]]` for every row; a code outside the table (only possible on a null
/// row of a malformed column) reads `fallback` instead of trapping.
@inline(__always)
func lookup<R>(_ codes: [UInt32], _ table: [R], fallback: R) -> [R] {
    codes.withUnsafeBufferPointer { cp in
        table.withUnsafeBufferPointer { tp in
            let n = tp.count
            return generate(cp.count) { i in
                let code = Int(cp[i])
                return code < n ? tp[code] : fallback
            }
        }
    }
}

/// Reads row strings of a string operand without building values per row.
struct StringRows {
    private let codes: [UInt32]
    private let dictionary: [String]
    private let scalar: String?

    init(_ operand: Operand) {
        switch operand {
        case .column(let column):
            codes = column.codes
            dictionary = column.safeDictionary
            scalar = nil
        case .scalar(let value):
            codes = []
            dictionary = []
            scalar = value.asString ?? ""
        }
    }

    subscript(row: Int) -> String {
        if let scalar { return scalar }
        let code = Int(codes[row])
        return code < dictionary.count ? dictionary[code] : ""
    }
}

/// Builds a string column one row at a time, giving equal strings one code.
struct StringColumnBuilder {
    private var index: [String: UInt32] = [:]
    private(set) var dictionary: [String] = []
    private(set) var codes: [UInt32] = []

    init(capacity: Int) { codes.reserveCapacity(capacity) }

    mutating func append(_ string: String) {
        if let code = index[string] {
            codes.append(code)
        } else {
            let code = UInt32(dictionary.count)
            index[string] = code
            dictionary.append(string)
            codes.append(code)
        }
    }

    func finish(validity: [Bool]?) -> Column {
        Column.strings(codes: codes, dictionary: dictionary, validity: validity)
    }
}

/// Renders keys to strings once per distinct key (number → string casts).
func renderDistinct<Key: Hashable>(_ keys: Slot<Key>, count: Int, _ render: (Key) -> String) -> Column {
    switch keys {
    case .scalar(let key):
        return Column(codes: [UInt32](repeating: 0, count: count), dictionary: [render(key)])
    case .array(let values):
        var index: [Key: UInt32] = [:]
        var dictionary: [String] = []
        let codes: [UInt32] = values.map { key in
            if let code = index[key] { return code }
            let code = UInt32(dictionary.count)
            index[key] = code
            dictionary.append(render(key))
            return code
        }
        return Column.strings(codes: codes, dictionary: dictionary, validity: nil)
    }
}

/// A string column computed row by row (functions whose secondary arguments vary by
/// row); `f` returning nil marks the row bad (null).
func buildStrings(_ count: Int, _ f: (Int) -> String?) -> KernelOutput {
    var builder = StringColumnBuilder(capacity: count)
    var bad: [Bool]?
    for i in 0..<count {
        if let s = f(i) {
            builder.append(s)
        } else {
            builder.append("")
            if bad == nil { bad = [Bool](repeating: false, count: count) }
            bad?[i] = true
        }
    }
    return KernelOutput(builder.finish(validity: nil), bad: bad)
}

/// A string operand with its null rows turned into empty strings (`concat` skips nulls).
func emptyForNull(_ operand: Operand) -> Operand {
    switch operand {
    case .scalar(.null): return .scalar(.string(""))
    case .scalar: return operand
    case .column(let column):
        guard let validity = column.validity else { return operand }
        var dictionary = column.safeDictionary
        let empty = UInt32(dictionary.count)
        dictionary.append("")
        let codes = map2(.array(column.codes), .array(validity), count: column.codes.count) { $1 ? $0 : empty }
        return .column(Column.strings(codes: codes, dictionary: dictionary, validity: nil))
    }
}
