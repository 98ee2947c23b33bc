import SluiceCore

/// Builds one output column of emitted rows, a block of rows at a time.
///
/// Strings arrive as interned codes and get a batch-local dictionary in order of first
/// use, so output batches carry only the strings they need and are identical for
/// identical state. The validity array is only materialised once a null arrives.
struct OutputColumnBuilder {
    let type: DataType
    private var column: Column
    /// nil while every row so far is valid.
    private var validity: [Bool]?
    private(set) var count = 0
    /// Interned code → batch code, for small emissions.
    private var localCodes: [UInt32: UInt32] = [:]
    /// The same map as a dense array (UInt32.max: not yet used), once an emission is
    /// large compared with the number of interned strings.
    private var denseLocalCodes: [UInt32] = []

    init(type: DataType) {
        self.type = type
        column = Column(type: type)
    }

    /// `valid[i] == false` marks row i null (its value is ignored); nil means all valid.
    mutating func append(ints: [Int64], valid: [Bool]? = nil) {
        column.ints.append(contentsOf: ints)
        appendValidity(valid, rows: ints.count)
    }

    mutating func append(doubles: [Double], valid: [Bool]? = nil) {
        column.doubles.append(contentsOf: doubles)
        appendValidity(valid, rows: doubles.count)
    }

    mutating func append(bools: [Bool], valid: [Bool]? = nil) {
        column.bools.append(contentsOf: bools)
        appendValidity(valid, rows: bools.count)
    }

    /// Appends strings given by their interned codes (`strings` are the interned strings).
    mutating func append(internedCodes codes: [UInt32], valid: [Bool]? = nil, strings: [String]) {
        if denseLocalCodes.isEmpty && codes.count * 4 >= strings.count && !strings.isEmpty {
            denseLocalCodes = [UInt32](repeating: .max, count: strings.count)
            for (interned, local) in localCodes { denseLocalCodes[Int(interned)] = local }
            localCodes = [:]
        }
        column.codes.reserveCapacity(column.codes.count + codes.count)
        for (i, code) in codes.enumerated() {
            if let valid, !valid[i] {
                column.codes.append(0)
            } else {
                column.codes.append(localCode(code, strings: strings))
            }
        }
        appendValidity(valid, rows: codes.count)
    }

    private mutating func localCode(_ code: UInt32, strings: [String]) -> UInt32 {
        let interned = Int(code)
        if !denseLocalCodes.isEmpty {
            if interned >= denseLocalCodes.count {
                denseLocalCodes.append(contentsOf: repeatElement(.max, count: interned + 1 - denseLocalCodes.count))
            }
            let known = denseLocalCodes[interned]
            if known != .max { return known }
            let local = UInt32(column.dictionary.count)
            denseLocalCodes[interned] = local
            column.dictionary.append(strings[interned])
            return local
        }
        if let known = localCodes[code] { return known }
        let local = UInt32(column.dictionary.count)
        localCodes[code] = local
        column.dictionary.append(strings[interned])
        return local
    }

    private mutating func appendValidity(_ valid: [Bool]?, rows: Int) {
        if let valid {
            if validity == nil { validity = [Bool](repeating: true, count: count) }
            validity!.append(contentsOf: valid)
        } else if validity != nil {
            validity!.append(contentsOf: repeatElement(true, count: rows))
        }
        count += rows
    }

    func finish() -> Column {
        var out = column
        out.validity = validity
        return out
    }
}

/// The validity of results that exist only where a count is positive; nil when every
/// slot has one.
func presence(_ counts: [Int64], of slots: [Int32]) -> [Bool]? {
    let valid = slots.map { counts[Int($0)] > 0 }
    return valid.contains(false) ? valid : nil
}

/// The validity from a per-slot flag; nil when every slot has it set.
func presence(_ flags: [Bool], of slots: [Int32]) -> [Bool]? {
    let valid = slots.map { flags[Int($0)] }
    return valid.contains(false) ? valid : nil
}
