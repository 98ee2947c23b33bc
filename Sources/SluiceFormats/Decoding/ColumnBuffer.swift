import SluiceCore

/// One output column under construction, as 64-bit words (Int64, Double bits, Bool as
/// 0/1, dictionary code) indexed by row; a column in fingerprint form keeps each row's
/// second word in `secondWords`.
///
/// Rows a record leaves out are not written at all: the next value written (or
/// `finish`) fills the gap with nulls in bulk, so a wide schema with mostly absent
/// fields (DAA's payloads) costs per row only for the fields present. The validity
/// array appears only with the first null.
struct ColumnBuffer {
    let type: DataType
    let isFingerprinted: Bool
    private var words = GrowableBuffer<UInt64>(capacity: 4096)
    private var secondWords: GrowableBuffer<UInt64>
    private var validity = GrowableBuffer<Bool>(capacity: 16)
    private var hasNulls = false

    init(type: DataType, fingerprinted: Bool = false) {
        self.type = type
        isFingerprinted = fingerprinted
        secondWords = GrowableBuffer(capacity: fingerprinted ? 4096 : 1)
    }

    func deallocate() {
        words.deallocate()
        secondWords.deallocate()
        validity.deallocate()
    }

    /// Writes row `row` of a column in fingerprint form: the `DedupeFingerprint` of the
    /// string's UTF-8 bytes (valid, unescaped), the words `DedupeFingerprint.of` gives
    /// for the same `String`.
    @inline(__always)
    mutating func setFingerprint(row: Int, _ bytes: UnsafeRawBufferPointer) {
        let (w0, w1) = DedupeFingerprint.wordWise(bytes)
        set(row: row, w0)
        secondWords.append(w1)
    }

    /// Writes the value of row `row`; rows before it that have none become null.
    @inline(__always)
    mutating func set(row: Int, _ word: UInt64) {
        if words.count != row { fillNulls(upTo: row) }
        words.append(word)
        if hasNulls { validity.append(true) }
    }

    /// Replaces the value of row `row`, already written (a deferred look-up's code).
    @inline(__always)
    mutating func overwrite(row: Int, _ word: UInt64) { words[row] = word }

    /// Drops the values of rows `row...` (a record that turned out bad after its values
    /// were written). Nulls filled in before `row` stay: they are correct either way.
    @inline(__always)
    mutating func truncate(to row: Int) {
        if words.count > row {
            words.truncate(to: row)
            if isFingerprinted { secondWords.truncate(to: row) }
            if hasNulls { validity.truncate(to: row) }
        }
    }

    @inline(never)
    private mutating func fillNulls(upTo row: Int) {
        if !hasNulls {
            hasNulls = true
            validity.removeAll()
            validity.append(repeating: true, count: words.count)
        }
        validity.append(repeating: false, count: row - words.count)
        if isFingerprinted { secondWords.append(repeating: 0, count: row - words.count) }
        words.append(repeating: 0, count: row - words.count)
    }

    /// The column of `rows` rows; the buffer starts over for the next batch.
    mutating func finish(rows: Int, dictionary: [String]) -> Column {
        if words.count != rows { fillNulls(upTo: rows) }
        let source = UnsafeBufferPointer(start: words.base, count: rows)
        let valid: [Bool]? = hasNulls ? validity.array() : nil
        // Filled through `unsafeUninitializedCapacity`, not `map`: `map` appends element by
        // element (5 % of W2's CPU over DAA's ~20 columns); ints and doubles are the words' bits.
        let column: Column
        switch type {
        case .int64, .timestamp:
            column = Column(ints: Self.converted(source, as: Int64.self) { Int64(bitPattern: $0) }, type: type, validity: valid)
        case .double:
            column = Column(doubles: Self.converted(source, as: Double.self) { Double(bitPattern: $0) }, validity: valid)
        case .bool:
            column = Column(bools: Self.converted(source, as: Bool.self) { $0 != 0 }, validity: valid)
        case .string where isFingerprinted:
            let second = UnsafeBufferPointer(start: secondWords.base, count: rows)
            let fingerprints = [StringFingerprint](unsafeUninitializedCapacity: rows) { out, initialized in
                for i in 0..<rows { (out.baseAddress! + i).initialize(to: StringFingerprint(source[i], second[i])) }
                initialized = rows
            }
            column = Column(fingerprints: fingerprints, validity: valid)
            secondWords.removeAll()
        case .string:
            let codes = Self.converted(source, as: UInt32.self) { UInt32(truncatingIfNeeded: $0) }
            column = Column(codes: codes, dictionary: dictionary, validity: valid)
        }
        words.removeAll()
        validity.removeAll()
        hasNulls = false
        return column
    }

    @inline(__always)
    private static func converted<T>(_ words: UnsafeBufferPointer<UInt64>, as: T.Type, _ convert: (UInt64) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: words.count) { out, initialized in
            for i in 0..<words.count { (out.baseAddress! + i).initialize(to: convert(words[i])) }
            initialized = words.count
        }
    }
}
