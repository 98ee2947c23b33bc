/// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
enum UTF8Validation {
    /// The length of the valid multi-byte sequence starting at `p` (whose lead byte is
    /// at least 0x80), or 0 when it is invalid or cut off by `end`.
    @inline(__always)
    static func sequenceLength(at p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> Int {
        let available = end - p
        @inline(__always)
        func continuation(_ i: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            i < available && p[i] >= low && p[i] <= high
        }
        switch p.pointee {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// The offset of the first byte in `start..<end` that does not begin a valid
    /// sequence, or nil when the whole range is valid UTF-8.
    static func firstInvalid(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int? {
        var p = start
        while p < end {
            if end - p >= 8,
                UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                p += 8
                continue
            }
            if p.pointee < 0x80 {
                p += 1
                continue
            }
            let n = sequenceLength(at: p, end: end)
            if n == 0 { return p - start }
            p += n
        }
        return nil
    }

    /// True when `bytes` are valid UTF-8.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return true }
            return firstInvalid(base, base + buffer.count) == nil
        }
    }
}
