/// The snapshot form of an append-only string table (what `SnapshotWriter.write(_: String)`
/// writes: a UInt32 length, then the UTF-8 bytes), code by code, kept between snapshots.
///
/// A keyed state writes the same key strings at every checkpoint; copying each kept form
/// is a few times cheaper than reading each string again (W1's 100,000 string keys were
/// half of its checkpoint time).
public final class EncodedStrings {
    @usableFromInline var forms: [UInt8] = []
    /// Where each code's form ends in `forms` (it starts where the one before ends).
    @usableFromInline var ends: [Int] = []
    /// Where each written form starts, for `SnapshotWriter.write(codes:…)`.
    var scratch: [Int] = []

    public init() {}

    /// Zero bytes kept after the last form, so that a short form can be copied as four
    /// whole words.
    @usableFromInline static let slack = 32

    /// Codes encoded so far.
    public var count: Int { ends.count }

    /// Bytes held.
    public var memoryBytes: Int { forms.capacity + (ends.capacity + scratch.capacity) * 8 }

    /// Encodes the strings after the ones already encoded. `strings` must begin with the
    /// strings encoded so far: an interner's table only grows, and each `AggregationContext`
    /// (one interner) has its own forms. A shorter table starts the forms over, as a
    /// safeguard only.
    public func extend(_ strings: [String]) {
        if strings.count < ends.count {
            forms.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
        guard strings.count > ends.count else { return }
        if !forms.isEmpty { forms.removeLast(Self.slack) }
        for i in ends.count..<strings.count {
            var string = strings[i]
            string.withUTF8 { utf8 in
                withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { forms.append(contentsOf: $0) }
                forms.append(contentsOf: utf8)
            }
            ends.append(forms.count)
        }
        forms.append(contentsOf: repeatElement(0, count: Self.slack))
    }
}

extension SnapshotWriter {
    /// Writes string `code` of `strings` exactly as `write(_: String)` writes the string.
    @inlinable public mutating func write(code: Int, of strings: EncodedStrings) {
        let start = code == 0 ? 0 : strings.ends[code - 1]
        let end = strings.ends[code]
        strings.forms.withUnsafeBytes { forms in
            storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: forms[start..<end]))
        }
    }
}

extension SnapshotWriter {
    /// Writes the strings whose codes are `codes[offset]`, `codes[offset + stride]`, … (`count`
    /// of them), as as many `write(_: String)` calls would.
    ///
    /// Codes come in a table's slot order, so both look-ups (where a form is, then its bytes)
    /// miss the cache for a large table: the first pass gathers the ranges and the second
    /// copies, each prefetching a few entries ahead, and forms of up to 32 bytes are copied
    /// in four words (`forms` has that much slack after its last form) instead of a call.
    public mutating func write(
        codes: UnsafeBufferPointer<UInt64>, stride: Int, offset: Int, count: Int, of strings: EncodedStrings
    ) {
        guard count > 0 else { return }
        precondition(offset + (count - 1) * stride < codes.count, "codes out of range")
        let ahead = 32
        // Kept between snapshots: fresh, it would cost a page fault per 512 keys.
        var starts = strings.scratch
        strings.scratch = []
        defer { strings.scratch = starts }
        if starts.count < count { starts.append(contentsOf: repeatElement(0, count: count - starts.count)) }
        var total = 0
        strings.ends.withUnsafeBufferPointer { ends in
            starts.withUnsafeMutableBufferPointer { starts in
                for i in 0..<count {
                    if i + ahead < count {
                        let next = Int(codes[offset + (i + ahead) * stride])
                        prefetchForRead(ends.baseAddress! + max(next - 1, 0))
                    }
                    let code = Int(codes[offset + i * stride])
                    precondition(code < ends.count, "string code \(code) was never encoded")
                    let start = code == 0 ? 0 : ends[code - 1]
                    starts[i] = start
                    total += ends[code] - start
                }
            }
        }
        let base = storage.count
        storage.append(contentsOf: repeatElement(0, count: total + EncodedStrings.slack))
        strings.ends.withUnsafeBufferPointer { ends in
            strings.forms.withUnsafeBytes { forms in
                starts.withUnsafeBufferPointer { starts in
                    storage.withUnsafeMutableBytes { out in
                        var at = out.baseAddress! + base
                        for i in 0..<count {
                            if i + ahead < count { prefetchForRead(forms.baseAddress! + starts[i + ahead]) }
                            let code = Int(codes[offset + i * stride])
                            let source = forms.baseAddress! + starts[i]
                            let length = ends[code] - starts[i]
                            if length <= EncodedStrings.slack {
                                for word in 0..<4 {
                                    at.storeBytes(
                                        of: source.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self),
                                        toByteOffset: word * 8, as: UInt64.self)
                                }
                            } else {
                                at.copyMemory(from: source, byteCount: length)
                            }
                            at += length
                        }
                    }
                }
            }
        }
        storage.removeLast(EncodedStrings.slack)
    }
}
