/// Writes operator state as bytes in a deterministic, versioned, little-endian format.
///
/// Every stateful operator writes one partition's state through this type and reads it
/// back with `SnapshotReader`. Determinism matters: two snapshots of equal state are equal
/// bytes, so writers must emit unordered collections in a sorted order.
public struct SnapshotWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Reserves room for `capacity` bytes in all: a writer that knows its size grows its
    /// buffer once instead of doubling through ever larger copies (a large state's
    /// transient allocations are what kept glibc's heap from shrinking).
    public mutating func reserveCapacity(_ capacity: Int) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ v: UInt8) { bytes.append(v) }
    public mutating func write(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func write(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func write(_ v: Int64) { write(UInt64(bitPattern: v)) }
    public mutating func write(_ v: Int) { write(Int64(v)) }
    public mutating func write(_ v: Double) { write(v.bitPattern) }
    public mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }

    public mutating func write(_ s: String) {
        let utf8 = Array(s.utf8)
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func write(bytes raw: [UInt8]) {
        write(UInt64(raw.count))
        bytes.append(contentsOf: raw)
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
        for v in values { write(v) }
    }

    public mutating func write(_ values: [Int64]) {
        write(UInt64(values.count))
        for v in values { write(v) }
    }

    public mutating func write(_ values: [UInt64]) {
        write(UInt64(values.count))
        for v in values { write(v) }
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
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
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

    public mutating func readDoubles() throws -> [Double] {
        let n = try readCount()
        return try (0..<n).map { _ in try readDouble() }
    }

    public mutating func readInt64s() throws -> [Int64] {
        let n = try readCount()
        return try (0..<n).map { _ in try readInt64() }
    }

    public mutating func readUInt64s() throws -> [UInt64] {
        let n = try readCount()
        return try (0..<n).map { _ in try readUInt64() }
    }
}
