/// Writes operator state as bytes in a deterministic, versioned, little-endian format.
///
/// Every stateful operator writes one partition's state through this type and reads it
/// back with `SnapshotReader`. Determinism matters: two snapshots of equal state are equal
/// bytes, so writers must emit unordered collections in a sorted order.
public struct SnapshotWriter: Sendable {
    /// The bytes written so far. Inlinable writes (snapshots of large states make millions of
    /// small writes from other modules) need a storage they can see.
    @usableFromInline var storage: [UInt8] = []

    public var bytes: [UInt8] { storage }

    public init() {}

    /// A writer into `buffer`'s memory when nobody else holds it (a snapshot whose
    /// checkpoint has been saved and dropped), into fresh memory otherwise. Takes the
    /// buffer (leaves `buffer` empty) so that no second reference forces a copy.
    public init(reusing buffer: inout [UInt8]) {
        previousCount = buffer.count
        swap(&storage, &buffer)
        storage.removeAll(keepingCapacity: true)
    }

    /// The size of the snapshot whose buffer this writer reuses (0 for a fresh writer): a
    /// better guess at this snapshot's size than a state's memory, which counts hash slots
    /// and spare capacity that a snapshot does not write.
    public private(set) var previousCount = 0

    /// Reserves room for `capacity` bytes in all: a writer that knows its size grows its
    /// buffer once instead of doubling through ever larger copies (a large state's
    /// transient allocations are what kept glibc's heap from shrinking).
    public mutating func reserveCapacity(_ capacity: Int) { storage.reserveCapacity(capacity) }

    /// Appends `count` zero bytes and returns the offset of the first: room that a state
    /// fills in place (`withUnsafeMutableBytes`) when it writes its parts out of order.
    public mutating func appendRoom(_ count: Int) -> Int {
        let offset = storage.count
        storage.append(contentsOf: repeatElement(0, count: count))
        return offset
    }

    /// The bytes written so far, for filling room made by `appendRoom`.
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBytes(body)
    }

    @inlinable public mutating func write(_ v: UInt8) { storage.append(v) }
    @inlinable public mutating func write(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { storage.append(contentsOf: $0) }
    }
    @inlinable public mutating func write(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { storage.append(contentsOf: $0) }
    }
    @inlinable public mutating func write(_ v: Int64) { write(UInt64(bitPattern: v)) }
    @inlinable public mutating func write(_ v: Int) { write(Int64(v)) }
    @inlinable public mutating func write(_ v: Double) { write(v.bitPattern) }
    @inlinable public mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }

    /// Length (UInt32) and UTF-8 bytes, copied straight from the string's storage.
    @inlinable public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            storage.append(contentsOf: utf8)
        }
    }

    public mutating func write(bytes raw: [UInt8]) {
        write(UInt64(raw.count))
        storage.append(contentsOf: raw)
    }

    /// A section header: a tag naming the state and its format version.
    public mutating func beginSection(_ tag: String, version: UInt32) {
        write(tag)
        write(version)
    }

    public mutating func write(_ value: Value) {
        switch value {
        case .null: write(UInt8(0))
        case .int(let v): write(UInt8(1)); write(v)
        case .double(let v): write(UInt8(2)); write(v)
        case .bool(let v): write(UInt8(3)); write(v)
        case .string(let v): write(UInt8(4)); write(v)
        case .timestamp(let v): write(UInt8(5)); write(v)
        }
    }

    public mutating func write(_ values: [Double]) {
        write(UInt64(values.count))
        values.withUnsafeBufferPointer { writeColumn($0) }
    }

    public mutating func write(_ values: [Int64]) {
        write(UInt64(values.count))
        values.withUnsafeBufferPointer { writeColumn($0) }
    }

    public mutating func write(_ values: [UInt64]) {
        write(UInt64(values.count))
        values.withUnsafeBufferPointer { writeColumn($0) }
    }

    // MARK: Columns (no count: the reader knows it)

    /// The values one after another, exactly as that many `write(_:)` calls would write
    /// them; on a little-endian machine one copy of the column's memory.
    @inlinable public mutating func writeColumn(_ values: UnsafeBufferPointer<UInt64>) {
        #if _endian(little)
            storage.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
            for v in values { write(v) }
        #endif
    }

    @inlinable public mutating func writeColumn(_ values: UnsafeBufferPointer<Int64>) {
        values.withMemoryRebound(to: UInt64.self) { writeColumn($0) }
    }

    @inlinable public mutating func writeColumn(_ values: UnsafeBufferPointer<Double>) {
        // A Double's memory is its bit pattern, which is what `write(Double)` writes.
        values.withMemoryRebound(to: UInt64.self) { writeColumn($0) }
    }

    /// `words[offset]`, `words[offset + stride]`, … (`count` of them), as as many
    /// `write(_: UInt64)` calls would write them (a column of a row-major key table).
    public mutating func writeColumn(_ words: UnsafeBufferPointer<UInt64>, stride: Int, offset: Int, count: Int) {
        guard count > 0 else { return }
        precondition(offset + (count - 1) * stride < words.count, "words out of range")
        let base = appendRoom(count * 8)
        storage.withUnsafeMutableBytes { out in
            for i in 0..<count {
                out.storeBytes(of: words[offset + i * stride].littleEndian, toByteOffset: base + i * 8, as: UInt64.self)
            }
        }
    }

    /// `column[slot]` for each slot, as `write(_:)` per slot would write them: a
    /// table's slots in order (`0..<n`) are one copy of the column's prefix.
    @inlinable public mutating func writeColumn(_ column: [Int64], slots: [Int32]) {
        column.withUnsafeBufferPointer { values in
            if Self.isPrefix(slots, of: values.count) {
                writeColumn(UnsafeBufferPointer(rebasing: values[0..<slots.count]))
            } else {
                for slot in slots { write(values[Int(slot)]) }
            }
        }
    }

    @inlinable public mutating func writeColumn(_ column: [Double], slots: [Int32]) {
        column.withUnsafeBufferPointer { values in
            if Self.isPrefix(slots, of: values.count) {
                writeColumn(UnsafeBufferPointer(rebasing: values[0..<slots.count]))
            } else {
                for slot in slots { write(values[Int(slot)]) }
            }
        }
    }

    /// Whether `slots` is exactly `0, 1, …, slots.count - 1` within a column of `count`.
    @inlinable static func isPrefix(_ slots: [Int32], of count: Int) -> Bool {
        guard slots.count <= count else { return false }
        return slots.withUnsafeBufferPointer { s in
            var same = true
            for i in 0..<s.count { same = same && s[i] == Int32(truncatingIfNeeded: i) }
            return same
        }
    }
}

/// Reads what `SnapshotWriter` wrote; every read checks bounds and throws
/// `SluiceError.corruptSnapshot` instead of trapping on damaged input.
public struct SnapshotReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else {
            throw SluiceError(.corruptSnapshot, "snapshot truncated at byte \(offset) (wanted \(n) more)")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func readUInt8() throws -> UInt8 { try take(1).first! }

    public mutating func readUInt32() throws -> UInt32 {
        try ensure(4)
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) })
    }

    public mutating func readUInt64() throws -> UInt64 {
        try ensure(8)
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) })
    }

    /// Throws as `take` does unless `n` more bytes are there.
    private func ensure(_ n: Int) throws {
        guard offset + n <= bytes.count else {
            throw SluiceError(.corruptSnapshot, "snapshot truncated at byte \(offset) (wanted \(n) more)")
        }
    }

    /// `count` values written by `writeColumn` (or as many `write(UInt64)`), in one copy.
    public mutating func readUInt64Column(count: Int) throws -> [UInt64] {
        guard count >= 0, count <= (bytes.count - offset) / 8 else {
            throw SluiceError(.corruptSnapshot, "snapshot truncated at byte \(offset) (wanted \(count) values more)")
        }
        let start = offset
        offset += count * 8
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    buffer[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + i * 8, as: UInt64.self))
                }
            }
            initialized = count
        }
    }

    public mutating func readInt64Column(count: Int) throws -> [Int64] {
        try readUInt64Column(count: count).map { Int64(bitPattern: $0) }
    }

    public mutating func readDoubleColumn(count: Int) throws -> [Double] {
        try readUInt64Column(count: count).map { Double(bitPattern: $0) }
    }

    public mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readUInt64()) }
    public mutating func readInt() throws -> Int { Int(try readInt64()) }
    public mutating func readDouble() throws -> Double { Double(bitPattern: try readUInt64()) }
    public mutating func readBool() throws -> Bool { try readUInt8() != 0 }

    public mutating func readString() throws -> String {
        let n = Int(try readUInt32())
        return String(decoding: try take(n), as: UTF8.self)
    }

    public mutating func readBytes() throws -> [UInt8] {
        let n = try readUInt64()
        guard n <= UInt64(bytes.count - offset) else { throw SluiceError(.corruptSnapshot, "bad byte count \(n)") }
        return Array(try take(Int(n)))
    }

    /// Reads a section header and checks the tag; returns the version.
    public mutating func expectSection(_ tag: String, maxVersion: UInt32) throws -> UInt32 {
        let found = try readString()
        guard found == tag else {
            throw SluiceError(.corruptSnapshot, "expected snapshot section '\(tag)', found '\(found)'")
        }
        let version = try readUInt32()
        guard version <= maxVersion else {
            throw SluiceError(.corruptSnapshot, "section '\(tag)' has version \(version), this build reads <= \(maxVersion)")
        }
        return version
    }

    public mutating func readValue() throws -> Value {
        switch try readUInt8() {
        case 0: return .null
        case 1: return .int(try readInt64())
        case 2: return .double(try readDouble())
        case 3: return .bool(try readBool())
        case 4: return .string(try readString())
        case 5: return .timestamp(try readInt64())
        case let tag: throw SluiceError(.corruptSnapshot, "unknown value tag \(tag)")
        }
    }

    private mutating func readCount() throws -> Int {
        let n = try readUInt64()
        guard n <= UInt64(bytes.count - offset) / 8 else { throw SluiceError(.corruptSnapshot, "bad array length \(n)") }
        return Int(n)
    }

    public mutating func readDoubles() throws -> [Double] { try readDoubleColumn(count: try readCount()) }

    public mutating func readInt64s() throws -> [Int64] { try readInt64Column(count: try readCount()) }

    public mutating func readUInt64s() throws -> [UInt64] { try readUInt64Column(count: try readCount()) }
}
