import SluiceCore

/// Builds one output column of emitted rows. Strings arrive as interned codes and get a
/// batch-local dictionary in order of first use, so output batches carry only the
/// strings they need and are identical for identical state.
struct OutputColumnBuilder {
    let type: DataType
    private var column: Column
    private var validity: [Bool] = []
    private var hasNull = false
    private var localCodes: [UInt32: UInt32] = [:]

    init(type: DataType, capacity: Int = 0) {
        self.type = type
        column = Column(type: type)
        validity.reserveCapacity(capacity)
    }

    var count: Int { validity.count }

    mutating func appendNull() {
        switch type {
        case .int64, .timestamp: column.ints.append(0)
        case .double: column.doubles.append(0)
        case .bool: column.bools.append(false)
        case .string: column.codes.append(0)
        }
        validity.append(false)
        hasNull = true
    }

    mutating func append(int value: Int64) {
        column.ints.append(value)
        validity.append(true)
    }

    mutating func append(double value: Double) {
        column.doubles.append(value)
        validity.append(true)
    }

    mutating func append(bool value: Bool) {
        column.bools.append(value)
        validity.append(true)
    }

    mutating func append(interned code: UInt32, strings: [String]) {
        if let local = localCodes[code] {
            column.codes.append(local)
        } else {
            let local = UInt32(column.dictionary.count)
            localCodes[code] = local
            column.dictionary.append(strings[Int(code)])
            column.codes.append(local)
        }
        validity.append(true)
    }

    /// Appends a key word decoded as this column's type.
    @inline(__always)
    mutating func append(keyWord word: UInt64, strings: [String]) {
        switch type {
        case .int64, .timestamp: append(int: Int64(bitPattern: word))
        case .double: append(double: Double(bitPattern: word))
        case .bool: append(bool: word != 0)
        case .string: append(interned: UInt32(truncatingIfNeeded: word), strings: strings)
        }
    }

    func finish() -> Column {
        var out = column
        out.validity = hasNull ? validity : nil
        return out
    }
}
