import SluiceCore

/// Appends decoded values to one typed column array; the validity array is created
/// only when the first null arrives.
struct ColumnAccumulator {
    let type: DataType
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private var codes: [UInt32] = []
    private var validity: [Bool] = []
    private var hasNulls = false
    private(set) var count = 0

    init(type: DataType) { self.type = type }

    @inline(__always)
    private mutating func appendedValid() {
        if hasNulls { validity.append(true) }
        count &+= 1
    }

    @inline(__always)
    mutating func append(int value: Int64) {
        ints.append(value)
        appendedValid()
    }

    @inline(__always)
    mutating func append(double value: Double) {
        doubles.append(value)
        appendedValid()
    }

    @inline(__always)
    mutating func append(bool value: Bool) {
        bools.append(value)
        appendedValid()
    }

    @inline(__always)
    mutating func append(code value: UInt32) {
        codes.append(value)
        appendedValid()
    }

    mutating func appendNull() {
        if !hasNulls {
            hasNulls = true
            validity.reserveCapacity(Swift.max(count * 2, 64))
            validity.append(contentsOf: repeatElement(true, count: count))
        }
        validity.append(false)
        switch type {
        case .int64, .timestamp: ints.append(0)
        case .double: doubles.append(0)
        case .bool: bools.append(false)
        case .string: codes.append(0)
        }
        count &+= 1
    }

    /// The column built so far; the accumulator starts over, sized like this batch.
    mutating func finish(dictionary: [String]) -> Column {
        let rows = count
        let column: Column
        let valid: [Bool]? = hasNulls ? validity : nil
        switch type {
        case .int64, .timestamp: column = Column(ints: ints, type: type, validity: valid)
        case .double: column = Column(doubles: doubles, validity: valid)
        case .bool: column = Column(bools: bools, validity: valid)
        case .string: column = Column(codes: codes, dictionary: dictionary, validity: valid)
        }
        self = ColumnAccumulator(type: type)
        reserve(rows)
        return column
    }

    mutating func reserve(_ rows: Int) {
        switch type {
        case .int64, .timestamp: ints.reserveCapacity(rows)
        case .double: doubles.reserveCapacity(rows)
        case .bool: bools.reserveCapacity(rows)
        case .string: codes.reserveCapacity(rows)
        }
    }
}
