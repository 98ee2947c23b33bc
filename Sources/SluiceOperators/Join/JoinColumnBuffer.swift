import SluiceCore

/// One column of the rows a join side keeps across batches: append-only, with its own
/// string dictionary, so rows from many batches live in one flat array per column.
///
/// Strings are re-coded into the buffer's dictionary on append (once per distinct value
/// per batch), and `gather` hands out a compact dictionary holding only the strings the
/// gathered rows use, so output batches never pin the whole buffer dictionary.
struct JoinColumnBuffer: Sendable {
    let type: DataType
    private(set) var ints: [Int64] = []
    private(set) var doubles: [Double] = []
    private(set) var bools: [Bool] = []
    private(set) var codes: [UInt32] = []
    private(set) var strings: [String] = []
    private var stringCodes: [String: UInt32] = [:]
    /// Nil while every row is valid.
    private(set) var validity: [Bool]?
    private(set) var count = 0
    /// Buffer code → output code during `gather`; `UInt32.max` when unused.
    private var gatherScratch: [UInt32] = []

    init(type: DataType) { self.type = type }

    /// Appends `rows` of `column` (same type), in that order.
    mutating func append(_ column: Column, rows: [Int32]) {
        precondition(column.type == type, "appending a \(column.type) column to a \(type) buffer")
        switch type {
        case .int64, .timestamp:
            column.ints.withUnsafeBufferPointer { src in
                for r in rows { ints.append(src[Int(r)]) }
            }
        case .double:
            column.doubles.withUnsafeBufferPointer { src in
                for r in rows { doubles.append(src[Int(r)]) }
            }
        case .bool:
            column.bools.withUnsafeBufferPointer { src in
                for r in rows { bools.append(src[Int(r)]) }
            }
        case .string:
            appendStrings(column, rows: rows)
        }
        if let sourceValidity = column.validity {
            if validity == nil { validity = [Bool](repeating: true, count: count) }
            for r in rows { validity!.append(sourceValidity[Int(r)]) }
        } else if validity != nil {
            validity!.append(contentsOf: repeatElement(true, count: rows.count))
        }
        count += rows.count
    }

    private mutating func appendStrings(_ column: Column, rows: [Int32]) {
        // Batch code → buffer code, filled lazily so unused dictionary entries (a partition
        // split shares its parent's dictionary) are never interned.
        var remap = [UInt32](repeating: .max, count: column.dictionary.count)
        let sourceValidity = column.validity
        column.codes.withUnsafeBufferPointer { src in
            for r in rows {
                let row = Int(r)
                if let sourceValidity, !sourceValidity[row] {
                    codes.append(0)
                    continue
                }
                let code = Int(src[row])
                var mapped = remap[code]
                if mapped == .max {
                    mapped = intern(column.dictionary[code])
                    remap[code] = mapped
                }
                codes.append(mapped)
            }
        }
    }

    private mutating func intern(_ s: String) -> UInt32 {
        if let code = stringCodes[s] { return code }
        let code = UInt32(strings.count)
        strings.append(s)
        stringCodes[s] = code
        return code
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool { validity?[row] ?? true }

    /// The rows at `rows`, in that order, as a batch column.
    mutating func gather(_ rows: [Int32]) -> Column {
        var out = Column(type: type)
        switch type {
        case .int64, .timestamp:
            out.ints = ints.withUnsafeBufferPointer { src in rows.map { src[Int($0)] } }
        case .double:
            out.doubles = doubles.withUnsafeBufferPointer { src in rows.map { src[Int($0)] } }
        case .bool:
            out.bools = bools.withUnsafeBufferPointer { src in rows.map { src[Int($0)] } }
        case .string:
            (out.codes, out.dictionary) = gatherStrings(rows)
        }
        if let validity {
            let gathered = rows.map { validity[Int($0)] }
            out.validity = gathered.contains(false) ? gathered : nil
        }
        return out
    }

    private mutating func gatherStrings(_ rows: [Int32]) -> ([UInt32], [String]) {
        if gatherScratch.count < strings.count {
            gatherScratch.append(contentsOf: repeatElement(.max, count: strings.count - gatherScratch.count))
        }
        var dictionary: [String] = []
        var used: [UInt32] = []
        var outCodes: [UInt32] = []
        outCodes.reserveCapacity(rows.count)
        let validity = self.validity
        codes.withUnsafeBufferPointer { src in
            gatherScratch.withUnsafeMutableBufferPointer { scratch in
                for r in rows {
                    let row = Int(r)
                    if let validity, !validity[row] {
                        outCodes.append(0)
                        continue
                    }
                    let code = src[row]
                    var mapped = scratch[Int(code)]
                    if mapped == .max {
                        mapped = UInt32(dictionary.count)
                        dictionary.append(strings[Int(code)])
                        used.append(code)
                        scratch[Int(code)] = mapped
                    }
                    outCodes.append(mapped)
                }
                for code in used { scratch[Int(code)] = .max }
            }
        }
        return (outCodes, dictionary)
    }
}
