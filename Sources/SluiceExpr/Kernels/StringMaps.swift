import SluiceCore

/// Null-propagating functions of one string (the other arguments already bound as
/// constants), computed per dictionary entry.
enum StringMaps {
    /// string → string. The codes are reused as they are; only the dictionary is new.
    static func strings(_ a: Operand, count: Int, _ f: (String) -> String?) -> Operand {
        strict([a], count: count) { rows in
            let column = a.materialize(.string, count: rows)
            let table = perEntry(column, unused: Optional(""), f)
            let dictionary = table.map { $0 ?? "" }
            let out = Column.strings(codes: column.codes, dictionary: dictionary, validity: nil)
            guard table.contains(nil) else { return KernelOutput(out) }
            return KernelOutput(out, bad: lookup(column.codes, table.map { $0 == nil }, fallback: true))
        }
    }

    /// string → any other type; `f` returning nil makes the row null.
    static func values<R>(
        _ a: Operand, count: Int, unused: R, _ f: (String) -> R?, build: ([R]) -> Column
    ) -> Operand {
        strict([a], count: count) { rows in
            let column = a.materialize(.string, count: rows)
            let table = perEntry(column, unused: Optional(unused), f)
            let values = lookup(column.codes, table.map { $0 ?? unused }, fallback: unused)
            guard table.contains(where: { $0 == nil }) else { return KernelOutput(build(values)) }
            return KernelOutput(build(values), bad: lookup(column.codes, table.map { $0 == nil }, fallback: true))
        }
    }

    static func ints(_ a: Operand, count: Int, type: DataType = .int64, _ f: (String) -> Int64?) -> Operand {
        values(a, count: count, unused: 0, f) { Column(ints: $0, type: type) }
    }

    static func doubles(_ a: Operand, count: Int, _ f: (String) -> Double?) -> Operand {
        values(a, count: count, unused: 0, f) { Column(doubles: $0) }
    }

    static func bools(_ a: Operand, count: Int, _ f: (String) -> Bool?) -> Operand {
        values(a, count: count, unused: false, f) { Column(bools: $0) }
    }
}

/// Functions of two strings where both vary by row.
///
/// When the two dictionaries are small enough for a dense table of their pairs, each
/// distinct (left, right) pair that occurs is computed once; otherwise row by row.
enum StringPairs {
    /// `f(a[i], b[i])` per row. Nulls are the caller's concern.
    static func map<R>(_ a: Operand, _ b: Operand, count: Int, unused: R, _ f: (String, String) -> R) -> [R] {
        switch (a, b) {
        case (.scalar, .scalar):
            return [R](repeating: f(StringRows(a)[0], StringRows(b)[0]), count: count)
        case (.scalar, .column(let column)):
            let s = StringRows(a)[0]
            return lookup(column.codes, perEntry(column, unused: unused) { f(s, $0) }, fallback: unused)
        case (.column(let column), .scalar):
            let s = StringRows(b)[0]
            return lookup(column.codes, perEntry(column, unused: unused) { f($0, s) }, fallback: unused)
        case (.column(let left), .column(let right)):
            let l = left.safeDictionary
            let r = right.safeDictionary
            guard let pairs = pairCodes(left, right, count: count) else {
                let lRows = StringRows(a)
                let rRows = StringRows(b)
                return generate(count) { f(lRows[$0], rRows[$0]) }
            }
            var table = [R?](repeating: nil, count: l.count * r.count)
            return pairs.map { pair in
                let p = Int(pair)
                if let known = table[p] { return known }
                let value = f(l[p / r.count], r[p % r.count])
                table[p] = value
                return value
            }
        }
    }

    /// string × string → string, giving a column with its own dictionary.
    static func strings(_ a: Operand, _ b: Operand, count: Int, _ f: (String, String) -> String) -> Column {
        switch (a, b) {
        case (.scalar, .scalar):
            return Column.filled(.string(f(StringRows(a)[0], StringRows(b)[0])), type: .string, count: count)
        case (.scalar, .column(let column)):
            let s = StringRows(a)[0]
            return Column.strings(codes: column.codes, dictionary: perEntry(column, unused: "") { f(s, $0) }, validity: nil)
        case (.column(let column), .scalar):
            let s = StringRows(b)[0]
            return Column.strings(codes: column.codes, dictionary: perEntry(column, unused: "") { f($0, s) }, validity: nil)
        case (.column(let left), .column(let right)):
            let l = left.safeDictionary
            let r = right.safeDictionary
            guard let pairs = pairCodes(left, right, count: count) else {
                let lRows = StringRows(a)
                let rRows = StringRows(b)
                var builder = StringColumnBuilder(capacity: count)
                for i in 0..<count { builder.append(f(lRows[i], rRows[i])) }
                return builder.finish(validity: nil)
            }
            // Each pair that occurs gets the next code, the first time it is seen.
            var codeOfPair = [UInt32](repeating: .max, count: l.count * r.count)
            var dictionary: [String] = []
            let codes = pairs.map { pair in
                let p = Int(pair)
                if codeOfPair[p] == .max {
                    codeOfPair[p] = UInt32(dictionary.count)
                    dictionary.append(f(l[p / r.count], r[p % r.count]))
                }
                return codeOfPair[p]
            }
            return Column.strings(codes: codes, dictionary: dictionary, validity: nil)
        }
    }

    /// The index of each row's (left, right) code pair in a row-major pair table, or nil
    /// when that table would be much larger than the batch. Codes out of range (null rows
    /// of malformed columns) read pair 0.
    private static func pairCodes(_ left: Column, _ right: Column, count: Int) -> [UInt32]? {
        let height = left.safeDictionary.count
        let width = right.safeDictionary.count
        guard height * width <= max(4 * count, 256) else { return nil }
        let h = UInt32(height)
        let w = UInt32(width)
        return map2(.array(left.codes), .array(right.codes), count: count) { l, r in
            l < h && r < w ? l &* w &+ r : 0
        }
    }
}
