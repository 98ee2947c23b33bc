/// A typed column of a batch: one contiguous array of the column's storage type.
///
/// Only the array matching `type` is used; the others stay empty and cost nothing.
/// Strings are dictionary-encoded per batch: `codes[i]` indexes `dictionary`. A batch
/// split by partition shares its parent's dictionary (copy-on-write), so string work such
/// as hashing `agent_id` or `lower(x)` is done once per distinct value, not once per row.
///
/// A string column only de-duplication reads may come in fingerprint form instead
/// (`isFingerprinted`): the decoder never makes its strings, `fingerprints[i]` holds
/// row `i`'s `DedupeFingerprint` words, and `codes` and `dictionary` stay empty. The
/// planner proves nothing else reads such a column, and row-moving operations (slice,
/// gather, split, append) carry it; `string(at:)`, `value(at:)` and key hashing
/// (`KeyWordEncoder`, the runtime's scatter) trap on it.
///
/// - Important: `validity` is nil when every row is valid; otherwise it has `count`
///   entries and `false` marks a null. The value slot of a null row holds a default.
public struct Column: Sendable {
    public let type: DataType
    public var ints: [Int64] = []
    public var doubles: [Double] = []
    public var bools: [Bool] = []
    public var codes: [UInt32] = []
    public var dictionary: [String] = []
    /// The fingerprint form's rows (empty otherwise).
    public var fingerprints: [StringFingerprint] = []
    public var validity: [Bool]? = nil

    public init(type: DataType) { self.type = type }

    public init(ints: [Int64], type: DataType = .int64, validity: [Bool]? = nil) {
        precondition(type.isIntegerStorage)
        self.type = type
        self.ints = ints
        self.validity = validity
    }

    public init(doubles: [Double], validity: [Bool]? = nil) {
        self.type = .double
        self.doubles = doubles
        self.validity = validity
    }

    public init(bools: [Bool], validity: [Bool]? = nil) {
        self.type = .bool
        self.bools = bools
        self.validity = validity
    }

    public init(codes: [UInt32], dictionary: [String], validity: [Bool]? = nil) {
        self.type = .string
        self.codes = codes
        self.dictionary = dictionary
        self.validity = validity
    }

    /// A string column in fingerprint form.
    public init(fingerprints: [StringFingerprint], validity: [Bool]? = nil) {
        self.type = .string
        self.fingerprints = fingerprints
        self.validity = validity
    }

    /// A string column whose rows are fingerprints, not strings (see the type's notes).
    @inlinable
    public var isFingerprinted: Bool { !fingerprints.isEmpty }

    /// Builds a string column from plain strings, dictionary-encoding them.
    public init(strings: [String?]) {
        self.type = .string
        var index: [String: UInt32] = [:]
        var codes: [UInt32] = []
        codes.reserveCapacity(strings.count)
        var valid: [Bool] = []
        var anyNull = false
        for s in strings {
            if let s {
                if let code = index[s] {
                    codes.append(code)
                } else {
                    let code = UInt32(dictionary.count)
                    index[s] = code
                    dictionary.append(s)
                    codes.append(code)
                }
                valid.append(true)
            } else {
                codes.append(0)
                valid.append(false)
                anyNull = true
            }
        }
        self.codes = codes
        self.validity = anyNull ? valid : nil
    }

    public var count: Int {
        switch type {
        case .int64, .timestamp: ints.count
        case .double: doubles.count
        case .bool: bools.count
        case .string: fingerprints.isEmpty ? codes.count : fingerprints.count
        }
    }

    @inlinable
    public func isValid(_ row: Int) -> Bool { validity?[row] ?? true }

    public var hasNulls: Bool { validity?.contains(false) ?? false }

    public func string(at row: Int) -> String? {
        guard type == .string, isValid(row) else { return nil }
        precondition(!isFingerprinted, "reading a fingerprinted column's strings")
        return dictionary[Int(codes[row])]
    }

    /// The value at `row` as a `Value` (slow path).
    public func value(at row: Int) -> Value {
        guard isValid(row) else { return .null }
        switch type {
        case .int64: return .int(ints[row])
        case .timestamp: return .timestamp(ints[row])
        case .double: return .double(doubles[row])
        case .bool: return .bool(bools[row])
        case .string:
            precondition(!isFingerprinted, "reading a fingerprinted column's strings")
            return .string(dictionary[Int(codes[row])])
        }
    }

    /// A column of `count` nulls.
    public static func nulls(_ type: DataType, count: Int) -> Column {
        var column = Column(type: type)
        column.appendDefaults(count)
        column.validity = [Bool](repeating: false, count: count)
        return column
    }

    /// A column holding `value` in every one of `count` rows.
    public static func constant(_ value: Value, type: DataType, count: Int) -> Column {
        var builder = ColumnBuilder(type: type, capacity: count)
        for _ in 0..<count { builder.append(value) }
        return builder.finish()
    }

    mutating func appendDefaults(_ n: Int) {
        switch type {
        case .int64, .timestamp: ints.append(contentsOf: repeatElement(0, count: n))
        case .double: doubles.append(contentsOf: repeatElement(0, count: n))
        case .bool: bools.append(contentsOf: repeatElement(false, count: n))
        case .string: codes.append(contentsOf: repeatElement(0, count: n))
        }
    }

    /// The rows at `indices`, in that order. The dictionary is shared, not copied.
    public func gather(_ indices: [Int32]) -> Column {
        indices.withUnsafeBufferPointer { gather(rows: $0) }
    }

    /// Rows `range` of this column.
    public func slice(_ range: Range<Int>) -> Column {
        var out = Column(type: type)
        switch type {
        case .int64, .timestamp: out.ints = Array(ints[range])
        case .double: out.doubles = Array(doubles[range])
        case .bool: out.bools = Array(bools[range])
        case .string where isFingerprinted: out.fingerprints = Array(fingerprints[range])
        case .string:
            out.codes = Array(codes[range])
            out.dictionary = dictionary
        }
        if let validity {
            let part = Array(validity[range])
            out.validity = part.contains(false) ? part : nil
        }
        return out
    }

    /// This column followed by `other` (same type); string dictionaries are merged.
    public func appending(_ other: Column) -> Column {
        var out = self
        out.append(other)
        return out
    }

    /// `columns` one after another (same type), written once into arrays of the final size.
    public static func concat(_ columns: [Column]) -> Column {
        guard var out = columns.first else { preconditionFailure("concatenating no columns") }
        let total = columns.reduce(0) { $0 + $1.count }
        switch out.type {
        case .int64, .timestamp: out.ints.reserveCapacity(total)
        case .double: out.doubles.reserveCapacity(total)
        case .bool: out.bools.reserveCapacity(total)
        case .string where out.isFingerprinted: out.fingerprints.reserveCapacity(total)
        case .string: out.codes.reserveCapacity(total)
        }
        for column in columns.dropFirst() { out.append(column) }
        return out
    }

    /// Appends `other` (same type); string dictionaries are merged.
    public mutating func append(_ other: Column) {
        precondition(type == other.type, "appending a \(other.type) column to a \(type) column")
        let oldCount = count
        switch type {
        case .int64, .timestamp: ints.append(contentsOf: other.ints)
        case .double: doubles.append(contentsOf: other.doubles)
        case .bool: bools.append(contentsOf: other.bools)
        case .string where isFingerprinted || other.isFingerprinted:
            // An empty column has no form yet; otherwise both must be fingerprints.
            precondition(
                (oldCount == 0 || isFingerprinted) && (other.count == 0 || other.isFingerprinted),
                "appending strings and fingerprints in one column")
            fingerprints.append(contentsOf: other.fingerprints)
        case .string:
            if dictionary == other.dictionary {
                codes.append(contentsOf: other.codes)
            } else {
                var index: [String: UInt32] = [:]
                for (i, s) in dictionary.enumerated() where index[s] == nil { index[s] = UInt32(i) }
                let remap: [UInt32] = other.dictionary.map { s in
                    if let code = index[s] { return code }
                    let code = UInt32(dictionary.count)
                    dictionary.append(s)
                    index[s] = code
                    return code
                }
                // A null row's code is 0 whatever the dictionary holds, even when it is empty
                // (an all-null column): it names no entry, so any valid code will do.
                codes.append(contentsOf: other.codes.map { Int($0) < remap.count ? remap[Int($0)] : 0 })
            }
        }
        if validity != nil || other.validity != nil {
            var merged = validity ?? [Bool](repeating: true, count: oldCount)
            validity = nil
            merged.append(contentsOf: other.validity ?? [Bool](repeating: true, count: other.count))
            validity = merged
        }
    }
}

/// Appends values one at a time into a column (generators, tests, row-wise operators).
public struct ColumnBuilder: Sendable {
    public private(set) var column: Column
    private var index: [String: UInt32] = [:]
    private var valid: [Bool] = []
    private var anyNull = false

    public init(type: DataType, capacity: Int = 0) {
        column = Column(type: type)
        switch type {
        case .int64, .timestamp: column.ints.reserveCapacity(capacity)
        case .double: column.doubles.reserveCapacity(capacity)
        case .bool: column.bools.reserveCapacity(capacity)
        case .string: column.codes.reserveCapacity(capacity)
        }
        valid.reserveCapacity(capacity)
    }

    public var count: Int { valid.count }

    public mutating func appendNull() {
        column.appendDefaults(1)
        valid.append(false)
        anyNull = true
    }

    public mutating func append(int value: Int64) {
        column.ints.append(value)
        valid.append(true)
    }

    public mutating func append(double value: Double) {
        column.doubles.append(value)
        valid.append(true)
    }

    public mutating func append(bool value: Bool) {
        column.bools.append(value)
        valid.append(true)
    }

    public mutating func append(string value: String) {
        if let code = index[value] {
            column.codes.append(code)
        } else {
            let code = UInt32(column.dictionary.count)
            index[value] = code
            column.dictionary.append(value)
            column.codes.append(code)
        }
        valid.append(true)
    }

    /// Appends a dynamic value, converting numerics where the column type asks for it;
    /// a value that does not fit the column becomes null.
    public mutating func append(_ value: Value) {
        switch (column.type, value) {
        case (_, .null): appendNull()
        case (.int64, _), (.timestamp, _):
            if let v = value.asInt { append(int: v) } else { appendNull() }
        case (.double, _):
            if let v = value.asDouble { append(double: v) } else { appendNull() }
        case (.bool, .bool(let b)): append(bool: b)
        case (.string, .string(let s)): append(string: s)
        default: appendNull()
        }
    }

    public func finish() -> Column {
        var out = column
        out.validity = anyNull ? valid : nil
        return out
    }
}
